"""Convert an official ppap checkpoint to this repository's format.

Usage: ``python tools/model_converters/ppap_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/ppap/ppap/convert.py``).
"""
from cvshared.checkpoint import converter_main
from ppap.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
