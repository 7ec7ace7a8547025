"""Convert an official antico checkpoint to this repository's format.

Usage: ``python tools/model_converters/antico_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/antico/antico/convert.py``).
"""
from cvshared.checkpoint import converter_main
from antico.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
