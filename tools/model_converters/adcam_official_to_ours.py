"""Convert an official adcam checkpoint to this repository's format.

Usage: ``python tools/model_converters/adcam_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/adcam/adcam/convert.py``).
"""
from cvshared.checkpoint import converter_main
from adcam.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
