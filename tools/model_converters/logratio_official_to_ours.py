"""Convert an official logratio checkpoint to this repository's format.

Usage: ``python tools/model_converters/logratio_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/logratio/logratio/convert.py``).
"""
from cvshared.checkpoint import converter_main
from logratio.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
