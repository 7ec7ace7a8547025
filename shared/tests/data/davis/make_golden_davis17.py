"""Regenerate the DAVIS-2017 unsupervised golden numbers from the official evaluation code.

Usage::

    python shared/tests/data/davis/make_golden_davis17.py DAVIS2017_EVALUATION [--out DIR]

The argument is a checkout of https://github.com/davisvideochallenge/davis2017-evaluation at
the commit of ``PROVENANCE.md``. This file is our harness only (no official code): it makes
instance masks and proposals (``davis17_masks.npz``), writes them as a DAVIS-2017 tree
(``JPEGImages/480p``, ``Annotations_unsupervised/480p`` palette PNGs, ``ImageSets/2017/val.txt``)
and a results folder in a temporary directory, runs the official
``DAVISEvaluation(task='unsupervised').evaluate`` on them, unpatched, and writes its figures
(``davis17_unsup_golden.json``).
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import sys
import tempfile

import numpy as np

HERE = osp.dirname(osp.abspath(__file__))
SIZE = (30, 40)
FRAMES = 6


def _ellipse(cy, cx, ry, rx):
    yy, xx = np.mgrid[0:SIZE[0], 0:SIZE[1]]
    return ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1


def make_masks(seed: int = 2017) -> dict:
    """{seq: (ground-truth ids T x H x W uint8 with 255 void, proposal ids T x H x W uint8)}.

    * ``a``: objects 1 and 2 (object 2 gone in frames 3-4), a void ring around object 1;
      proposal 2 follows object 1 (shifted), proposal 1 object 2 (noisy), proposal 3 a
      spurious blob in frames 1-2 and, in frame 5, lying wholly on void pixels.
    * ``b``: objects 1-3 in the first frame, an id 4 from frame 2 on (not an object: the
      official count comes from the first frame); one proposal, the union of objects 1 and 2
      (a binary model's foreground), so two empty pads are matched.
    * ``c``: the first frame holds only id 2 (so there are 2 objects, object 1 appearing from
      frame 1), frame 4 has no object; proposals 1 and 3 (id 2 never used: an empty
      proposal).
    """
    rng = np.random.default_rng(seed)
    out = {}
    gt = np.zeros((FRAMES, *SIZE), np.uint8)
    pred = np.zeros_like(gt)
    for t in range(FRAMES):
        o1 = _ellipse(10 + t, 12 + t, 6, 7)
        o2 = _ellipse(20, 30 - t, 5, 6)
        ring = _ellipse(10 + t, 12 + t, 7, 8) & ~_ellipse(10 + t, 12 + t, 5, 6)
        if t not in (3, 4):
            gt[t][o2] = 2
        gt[t][o1] = 1
        gt[t][ring] = 255
        pred[t][np.roll(o1, (1, int(rng.integers(-2, 3))), axis=(0, 1))] = 2
        if t != 3:
            pred[t][o2 ^ (rng.random(SIZE) < 0.08)] = 1
        if t in (1, 2):
            pred[t][_ellipse(4, 34, 3, 3)] = 3
        if t == 5:
            pred[t][ring & _ellipse(10 + t, 12 + t - 7, 2, 2)] = 3
    out['a'] = (gt, pred)

    gt = np.zeros((FRAMES, *SIZE), np.uint8)
    pred = np.zeros_like(gt)
    for t in range(FRAMES):
        gt[t][_ellipse(8, 8 + t, 5, 5)] = 1
        gt[t][_ellipse(22, 10, 5, 6)] = 2
        gt[t][_ellipse(15, 32, 4, 5 - t % 2)] = 3
        if t >= 2:
            gt[t][_ellipse(4, 30, 3, 3)] = 4
        fg = (gt[t] == 1) | (gt[t] == 2)
        pred[t][fg ^ (rng.random(SIZE) < 0.05)] = 1
    out['b'] = (gt, pred)

    gt = np.zeros((FRAMES, *SIZE), np.uint8)
    pred = np.zeros_like(gt)
    for t in range(FRAMES):
        if t == 4:
            pred[t][_ellipse(15, 20, 4, 4)] = 1
            continue
        gt[t][_ellipse(15, 8 + 2 * t, 6, 5)] = 2
        if t >= 1:
            gt[t][_ellipse(8, 30, 4, 6)] = 1
            pred[t][np.roll(_ellipse(8, 30, 4, 6), int(rng.integers(-2, 3)), axis=1)] = 3
        pred[t][_ellipse(15, 9 + 2 * t, 5, 5)] = 1
    out['c'] = (gt, pred)
    return out


def _write_png(path: str, ids: np.ndarray) -> None:
    from PIL import Image
    im = Image.fromarray(ids, mode='P')
    palette = np.random.default_rng(0).integers(0, 256, (256, 3)).astype(np.uint8)
    palette[0] = 0
    im.putpalette(palette.ravel().tolist())
    im.save(path)


def write_tree(masks: dict, root: str, results: str) -> None:
    from PIL import Image
    os.makedirs(osp.join(root, 'ImageSets', '2017'), exist_ok=True)
    with open(osp.join(root, 'ImageSets', '2017', 'val.txt'), 'w') as f:
        f.write(''.join(f'{seq}\n' for seq in masks))
    for seq, (gt, pred) in masks.items():
        for sub in ('JPEGImages/480p', 'Annotations_unsupervised/480p'):
            os.makedirs(osp.join(root, sub, seq), exist_ok=True)
        os.makedirs(osp.join(results, seq), exist_ok=True)
        for t in range(len(gt)):
            name = f'{t:05d}'
            Image.fromarray(np.zeros((*SIZE, 3), np.uint8)).save(
                osp.join(root, 'JPEGImages/480p', seq, name + '.jpg'))
            _write_png(osp.join(root, 'Annotations_unsupervised/480p', seq, name + '.png'), gt[t])
            _write_png(osp.join(results, seq, name + '.png'), pred[t])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('davis2017', help='checkout of davis2017-evaluation')
    parser.add_argument('--out', default=HERE)
    args = parser.parse_args(argv)
    sys.path.insert(0, osp.abspath(args.davis2017))
    from davis2017.evaluation import DAVISEvaluation

    masks = make_masks()
    with tempfile.TemporaryDirectory() as tmp:
        root, results = osp.join(tmp, 'DAVIS'), osp.join(tmp, 'results')
        write_tree(masks, root, results)
        res = DAVISEvaluation(davis_root=root, task='unsupervised', gt_set='val').evaluate(results)
    j, f = res['J'], res['F']
    golden = {
        'global': {'J&F-Mean': (np.mean(j['M']) + np.mean(f['M'])) / 2,
                   'J-Mean': np.mean(j['M']), 'J-Recall': np.mean(j['R']),
                   'J-Decay': np.mean(j['D']), 'F-Mean': np.mean(f['M']),
                   'F-Recall': np.mean(f['R']), 'F-Decay': np.mean(f['D'])},
        # the official per-object names follow the matched proposals' order, so the
        # per-sequence values are kept as a sorted list of (J-Mean, F-Mean)
        'per_sequence': {seq: sorted([j['M_per_object'][k], f['M_per_object'][k]]
                                     for k in j['M_per_object'] if k.rsplit('_', 1)[0] == seq)
                         for seq in masks},
    }
    golden['global'] = {k: float(v) for k, v in golden['global'].items()}
    os.makedirs(args.out, exist_ok=True)
    arrays = {}
    for seq, (gt, pred) in masks.items():
        arrays[f'{seq}_gt'], arrays[f'{seq}_pred'] = gt, pred
    np.savez_compressed(osp.join(args.out, 'davis17_masks.npz'), **arrays)
    with open(osp.join(args.out, 'davis17_unsup_golden.json'), 'w') as fh:
        json.dump(golden, fh, indent=1)
    print(json.dumps(golden['global'], indent=1))
    print(f'wrote davis17_masks.npz and davis17_unsup_golden.json to {args.out}')


if __name__ == '__main__':
    main()
