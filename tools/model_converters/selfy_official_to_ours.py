"""Convert an official selfy checkpoint to this repository's format.

Usage: ``python tools/model_converters/selfy_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/selfy/selfy/convert.py``).
"""
from cvshared.checkpoint import converter_main
from selfy.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
