"""Convert an official HFAN checkpoint (or a SegFormer MiT ImageNet checkpoint) to this repository.

Usage::

    python tools/model_converters/hfan_official_to_ours.py HFAN-s-converted.pth hfan_small.pth
    python tools/model_converters/hfan_official_to_ours.py mit_b1.pth checkpoints/mit_b1_mmseg.pth

A whole official checkpoint (mmseg 0.11 ``EncoderDecoder``: ``backbone.backbone.*`` SegFormer
MiT names, ``decode_head.*``) becomes our ``EncoderDecoder`` (``load_from`` /
``tools/test.py``); a bare SegFormer ``mit_b*.pth`` (recognised by its keys) becomes the keys of
mmseg's ``MixVisionTransformer`` for the configs' ``init_cfg`` (Pretrained). The file is loaded
safely (weights_only). See ``packages/hfan/hfan/convert.py``.
"""
from cvshared.checkpoint import converter_main
from hfan.convert import convert

if __name__ == '__main__':
    converter_main(convert, __doc__)
