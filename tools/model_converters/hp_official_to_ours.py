"""Convert an official hp checkpoint to this repository's format.

Usage: ``python tools/model_converters/hp_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/hp/hp/convert.py``).
"""
from cvshared.checkpoint import converter_main
from hp.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
