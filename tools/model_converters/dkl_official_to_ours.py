"""Convert an official dkl checkpoint to this repository's format.

Usage: ``python tools/model_converters/dkl_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/dkl/dkl/convert.py``).
"""
from cvshared.checkpoint import converter_main
from dkl.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
