"""Convert an official hgpu checkpoint to this repository's format.

Usage: ``python tools/model_converters/hgpu_official_to_ours.py OFFICIAL.pth OURS.pth``
(the logic: ``packages/hgpu/hgpu/convert.py``).
"""
from cvshared.checkpoint import converter_main
from hgpu.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
