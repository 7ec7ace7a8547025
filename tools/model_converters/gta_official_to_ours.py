"""Convert an official gta checkpoint to this repository's format.

Usage: ``python tools/model_converters/gta_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/gta/gta/convert.py``).
"""
from cvshared.checkpoint import converter_main
from gta.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
