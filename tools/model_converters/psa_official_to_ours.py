"""Convert an official psa checkpoint to this repository's format.

Usage: ``python tools/model_converters/psa_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/psa/psa/convert.py``).
"""
from cvshared.checkpoint import converter_main
from psa.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
