"""Convert an official STTS checkpoint (wangjk666/STTS: PySlowFast MViT v1 or VideoSwin) to ours.

Usage: ``python tools/model_converters/stts_official_to_ours.py OFFICIAL.pth OURS.pth``
(the renaming rules: :mod:`stts.convert`; loading keeps ``weights_only`` on, with the narrow
allow-list :data:`stts.convert.EXTRA_SAFE_GLOBALS`).
"""
from cvshared.checkpoint import converter_main
from stts.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
