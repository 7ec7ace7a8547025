"""Convert an official bnwvad checkpoint to this repository's format.

Usage: ``python tools/model_converters/bnwvad_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/bnwvad/bnwvad/convert.py``).
"""
from cvshared.checkpoint import converter_main
from bnwvad.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
