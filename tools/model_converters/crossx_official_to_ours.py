"""Convert an official crossx checkpoint to this repository's format.

Usage: ``python tools/model_converters/crossx_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/crossx/crossx/convert.py``).
"""
from cvshared.checkpoint import converter_main
from crossx.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
