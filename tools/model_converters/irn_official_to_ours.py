"""Convert an official irn checkpoint to this repository's format.

Usage: ``python tools/model_converters/irn_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/irn/irn/convert.py``).
"""
from cvshared.checkpoint import converter_main
from irn.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
