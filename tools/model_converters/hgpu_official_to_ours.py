"""Convert an official HGPU checkpoint pair to this repository's format.

Usage: ``python tools/model_converters/hgpu_official_to_ours.py encoder_<miou>.pt OURS.pth
--decoder decoder_<miou>.pt`` (the official training saves the encoder and the decoder
separately; the logic: ``packages/hgpu/hgpu/convert.py``).
"""
from cvshared.checkpoint import converter_main
from hgpu.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
