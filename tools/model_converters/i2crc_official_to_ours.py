"""Convert an official i2crc checkpoint to this repository's format.

Usage: ``python tools/model_converters/i2crc_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/i2crc/i2crc/convert.py``).
"""
from cvshared.checkpoint import converter_main
from i2crc.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
