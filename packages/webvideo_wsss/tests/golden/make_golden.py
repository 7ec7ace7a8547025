"""Regenerate the golden files of webvideo_wsss.

The paper has no released code. What exists is TransferNet (maga33/TransferNet, Caffe + Matlab,
CVPR 2016), the decoder this paper reuses (Sec. 3.3). This harness reads TransferNet's deploy
prototxt (``training/2_train_segmentation/deploy.prototxt``; nothing is run, nothing copied)
and writes:

* ``transfernet_decoder.json``: the decoder's layer list parsed from the prototxt (name, type,
  num_output / unpool size, in order from the attention output to the score layer);
* ``whole_forward.pt``: OUR encoder-decoder's forward from two raw JPEG files to the final label
  map and the class probabilities, with seeded non-uniform weights (a regression golden of our
  own code, not an official output: tests/test_golden.py also re-derives it with an independent
  plain-torch implementation).

Usage: ``python packages/webvideo_wsss/tests/golden/make_golden.py TRANSFERNET_CHECKOUT
[--out DIR]``
"""
from __future__ import annotations

import argparse
import io
import json
import os
import os.path as osp
import re
import sys

PROTOTXT = 'training/2_train_segmentation/deploy.prototxt'
HERE = osp.dirname(osp.abspath(__file__))
TINY = dict(arch=(2, 1, 2), widths=(6, 10, 12), num_pools=2)
NUM_CLASSES = 4


def _blocks(text: str) -> list[str]:
    """The top-level ``layer { ... }`` blocks of a prototxt (brace counting; comments cut)."""
    text = re.sub(r'#[^\n]*', '', text)
    out, i = [], 0
    while True:
        m = re.compile(r'\blayers?\s*\{').search(text, i)
        if not m:
            return out
        depth, j = 1, m.end()
        while depth and j < len(text):
            depth += {'{': 1, '}': -1}.get(text[j], 0)
            j += 1
        out.append(text[m.end():j - 1])
        i = j


def parse_decoder(text: str) -> list[dict]:
    """The layers after the attention (``filter_sum``) up to ``seg-score``: Deconvolution /
    Unpooling / Convolution with their num_output (or unpool_size)."""
    layers = []
    for block in _blocks(text):
        name = re.search(r'name:\s*["\']([^"\']+)', block)
        typ = re.search(r'type:\s*["\']([^"\']+)', block)
        if not name or not typ:
            continue
        entry = dict(name=name.group(1), type=typ.group(1))
        num = re.search(r'num_output:\s*(\d+)', block)
        if num:
            entry['num_output'] = int(num.group(1))
        size = re.search(r'unpool_size:\s*(\d+)', block)
        if size:
            entry['unpool_size'] = int(size.group(1))
        layers.append(entry)
    names = [layer['name'] for layer in layers]
    start = names.index('filter_sum') + 1
    stop = names.index('seg-score') + 1
    return [layer for layer in layers[start:stop] if layer['type'] in
            ('Deconvolution', 'Unpooling', 'Convolution')]


def seeded_segmentor(seed: int = 0):
    import torch
    from webvideo_wsss.models import WebVideoSegmentor
    torch.manual_seed(seed)
    seg = WebVideoSegmentor(encoder=dict(backbone=TINY, num_classes=NUM_CLASSES),
                            use_gt_labels=True)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in seg.named_parameters():
            fan_in = p[0].numel() if p.dim() > 1 else 1
            if name.endswith('bias'):
                p.copy_(torch.rand(p.shape, generator=g) * 0.4 - 0.2)
            else:
                p.copy_(torch.randn(p.shape, generator=g) * (2.0 / fan_in) ** 0.5)
        seg.decoder.score.weight.mul_(8.0)  # spread the probabilities over (0, 1)
    return seg.eval()


def jpeg_bytes(seed: int, size=(37, 45)) -> list[bytes]:
    import numpy as np
    from PIL import Image
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(2):
        img = rng.randint(0, 256, size=size + (3,), dtype=np.uint8)
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format='JPEG', quality=90)
        out.append(buf.getvalue())
    return out


def whole_forward(seg, images: list[bytes], labels) -> dict:
    """From the JPEG bytes: decode (PIL RGB), normalise, encoder-decoder, E8 label map."""
    import numpy as np
    import torch
    from PIL import Image
    from webvideo_wsss.video import frames_to_tensor
    out = dict(probs=[], pred=[], scores=[])
    for b, lab in zip(images, labels):
        img = np.array(Image.open(io.BytesIO(b)).convert('RGB'))
        res = seg.predict(frames_to_tensor(img[None]), [dict(img_labels=np.asarray(lab))])[0]
        out['probs'].append(res['probs'])
        out['pred'].append(res['pred'])
        out['scores'].append(res['scores'])
    out['scores'] = torch.stack(out['scores'])
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('checkout', help='a git checkout of maga33/TransferNet')
    ap.add_argument('--out', default=HERE)
    args = ap.parse_args(argv)
    proto = osp.join(args.checkout, PROTOTXT)
    if not osp.isfile(proto):
        print(f'{args.checkout} is not a TransferNet checkout: {proto} is missing',
              file=sys.stderr)
        raise SystemExit(2)
    import torch
    with open(proto) as f:
        layers = parse_decoder(f.read())
    os.makedirs(args.out, exist_ok=True)
    with open(osp.join(args.out, 'transfernet_decoder.json'), 'w') as f:
        json.dump(layers, f, indent=1)
    seg = seeded_segmentor(0)
    images = jpeg_bytes(2)
    labels = [[1, 0, 1, 0], [0, 1, 0, 0]]
    golden = whole_forward(seg, images, labels)
    torch.save(dict(images=images, labels=labels, seed=0, tiny=TINY, num_classes=NUM_CLASSES,
                    **golden), osp.join(args.out, 'whole_forward.pt'))
    print(f'wrote {len(layers)} decoder layers and the whole forward to {args.out}')


if __name__ == '__main__':
    main()
