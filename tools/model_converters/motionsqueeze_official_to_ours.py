"""Convert an official motionsqueeze checkpoint to this repository's format.

Usage: ``python tools/model_converters/motionsqueeze_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/motionsqueeze/motionsqueeze/convert.py``).
"""
from cvshared.checkpoint import converter_main
from motionsqueeze.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
