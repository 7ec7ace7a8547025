"""Convert an official umil checkpoint to this repository's format.

Usage: ``python tools/model_converters/umil_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/umil/umil/convert.py``).
"""
from cvshared.checkpoint import converter_main
from umil.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
