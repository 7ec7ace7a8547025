"""Convert an official hcml checkpoint to this repository's format.

Usage: ``python tools/model_converters/hcml_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/hcml/hcml/convert.py``).
"""
from cvshared.checkpoint import converter_main
from hcml.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
