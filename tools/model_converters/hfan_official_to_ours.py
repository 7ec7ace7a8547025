"""Convert an official HFAN checkpoint (or a SegFormer MiT ImageNet checkpoint) to our layout.

Usage::

    python tools/model_converters/hfan_official_to_ours.py HFAN-s-converted.pth hfan_small.pth
    python tools/model_converters/hfan_official_to_ours.py mit_b1.pth mit_b1_mmseg.pth --mit-only

The first form maps ``backbone.backbone.*`` (SegFormer MiT names) and ``decode_head.*`` of the
official mmseg 0.11 EncoderDecoder to :mod:`hfan` (mmseg 1.x ``MixVisionTransformer``); the
second converts the bare ImageNet MiT weights for the configs' ``init_cfg`` (Pretrained).
"""
import argparse

import torch
from hfan.convert import convert_state_dict


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='official checkpoint (.pth)')
    parser.add_argument('dst', help='output checkpoint (.pth)')
    parser.add_argument('--mit-only', action='store_true',
                        help='the source is a bare SegFormer MiT checkpoint (mit_b*.pth)')
    args = parser.parse_args(argv)
    ckpt = torch.load(args.src, map_location='cpu', weights_only=False)
    state = convert_state_dict(ckpt, prefix='' if args.mit_only else 'backbone.backbone.')
    torch.save({'state_dict': state, 'meta': {'converted_from': args.src}}, args.dst)
    print(f'wrote {len(state)} tensors to {args.dst}')


if __name__ == '__main__':
    main()
