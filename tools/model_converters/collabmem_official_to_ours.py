"""Convert an official collabmem checkpoint to this repository's format.

Usage: ``python tools/model_converters/collabmem_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/collabmem/collabmem/convert.py``).
"""
from cvshared.checkpoint import converter_main
from collabmem.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
