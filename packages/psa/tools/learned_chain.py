"""PSA's chain learned end to end from images on the "marked" synthetic set, against the BEST
constant-threshold CAM-only labels of the same images (README, Results).

    OMP_NUM_THREADS=1 .venv/bin/python packages/psa/tools/learned_chain.py --seeds 0 1 2 3 4

Per seed (the seed draws the data set and the weights): ``make_voc_synthetic(mark=0.4,
radius_range=(0.2, 0.3))`` (``cvshared.datasets.voc_synthetic``: the class shows only in a small
tinted disc on a dark class-agnostic body), ``--images`` training images (64) of ``--size`` px
(112), two classes, up to two objects; a tiny ResNet-38 CAM net (widths 8-64, from scratch)
trained ``--cam-steps`` (400) Adam steps of 8 images on the image-level labels;
``psa.pipeline.make_cam`` at ``--scales`` (+ flip); ``make_aff_labels`` with background powers
``--aff-alphas`` (la / ha); AffinityNet ``--aff-steps`` Adam steps; ``psa.pipeline.random_walk``
with background power ``--rw-alphas``. Prints one JSON line per seed: the CAM-only mIoU at every
constant background score of ``BG_SWEEP`` and the best, the random walk's mIoU (untrained and
trained AffinityNet), the mean CAM on the mark / body / background, and the share of ground-
truth background / object stride-8 cells that the affinity labels call background / object /
ignore.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import tempfile
import time

import numpy as np
import torch

TINY = dict(type='ResNet38', widths=(8, 16, 16, 32, 32, 64), depths=(1, 1, 1, 1), frozen=(),
            dropouts=(0.0, 0.0), norm_eval=False)
BG_SWEEP = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def train(model, imgs, targets, key: str, steps: int, lr: float = 3e-3, batch: int = 8):
    opt = torch.optim.Adam(model.parameters(), lr)
    model.train()
    for step in range(steps):
        idx = torch.randperm(len(imgs))[:batch]
        x, t = imgs[idx], targets[idx]
        if step % 2:
            x = x.flip(-1)
            t = t.flip(-1) if key == 'aff_label' else t
        loss = model(x, [{key: v} for v in t], mode='loss')['loss']
        opt.zero_grad()
        loss.backward()
        opt.step()


def run(seed: int, images: int, size: int, cam_steps: int, aff_steps: int, scales, aff_alphas,
        rw_alphas, mark: float, radius_range, work: str) -> dict:
    from cvshared.datasets.voc import VOCWSSSDataset, read_voc_mask
    from cvshared.datasets.voc_synthetic import make_voc_synthetic
    from cvshared.metrics.segmentation import evaluate_label_maps
    from cvshared.wsss.cam import load_cam
    from psa import pipeline as P
    from psa.models import PsaAffinityNet, PsaCAMNet
    from psa.random_walk import cam_labels
    t0 = time.time()
    torch.manual_seed(seed)
    root = make_voc_synthetic(osp.join(work, 'voc'), num_train=images, num_val=1,
                              size=(size, size), classes=('aeroplane', 'bicycle'),
                              max_objects=2, seed=seed, mark=mark, radius_range=radius_range)
    ds = VOCWSSSDataset(data_root=root, ann_file='ImageSets/Segmentation/train.txt',
                        serialize_data=False)
    items = [ds.get_data_info(i) for i in range(len(ds))]
    rgb = [P.read_rgb(it['img_path']) for it in items]
    imgs = torch.stack([P.normalize(torch.from_numpy(x).permute(2, 0, 1)) for x in rgb])
    img_labels = torch.stack([torch.as_tensor(it['img_labels'], dtype=torch.float32)
                              for it in items])
    cam_net = PsaCAMNet(backbone=TINY, dropout=0.0)
    train(cam_net, imgs, img_labels, 'img_labels', cam_steps)
    t_cam = time.time() - t0
    cam_dir, lab_dir = osp.join(work, 'cam'), osp.join(work, 'aff_labels')
    P.make_cam(cam_net, items, cam_dir, scales=tuple(scales))
    P.make_aff_labels(items, cam_dir, lab_dir, alphas=tuple(aff_alphas))
    gts = [read_voc_mask(it['seg_map_path']) for it in items]
    cams = [load_cam(osp.join(cam_dir, it['img_name'] + '.npy'), g.shape, stride=None)
            for it, g in zip(items, gts)]
    diag = {}
    for x, c, g in zip(rgb, cams, gts):
        peak = c['high_res'].max(0)
        obj = (g > 0) & (g < 255)
        tinted = x.max(-1) > 120         # the mark (the body is <= 85, the grey background
        for name, region in (('mark', obj & tinted), ('body', obj & ~tinted),   # is < 210)
                             ('background', g == 0)):
            if region.any():
                diag.setdefault('cam_' + name, []).append(float(peak[region].mean()))
    cam_only = {bg: evaluate_label_maps([cam_labels(c['keys'], c['high_res'], g.shape, 20,
                                                    bg=bg).numpy() for c, g in zip(cams, gts)],
                                        gts, 21)['mIoU'] for bg in BG_SWEEP}
    labels = torch.stack([P.aff_label(*P.load_aff_scores(lab_dir, it['img_name']))
                          for it in items])
    for it, lab in zip(items, labels):
        g = torch.from_numpy(read_voc_mask(it['seg_map_path'])[4::8, 4::8].astype(np.int64))
        for gname, region in (('gt_bg', g == 0), ('gt_obj', (g > 0) & (g < 255))):
            n = max(int(region.sum()), 1)
            for lname, hit in (('bg', lab == 0), ('obj', (lab > 0) & (lab < 255)),
                               ('ignore', lab == 255)):
                diag.setdefault(f'{gname}->{lname}', []).append(float((hit & region).sum()) / n)
    torch.manual_seed(seed)
    aff_net = PsaAffinityNet(backbone=TINY)
    untrained = {a: P.random_walk(aff_net, items, cam_dir, alpha=a)['mIoU'] for a in rw_alphas}
    train(aff_net, imgs, labels, 'aff_label', aff_steps)
    rw = {a: P.random_walk(aff_net, items, cam_dir, alpha=a)['mIoU'] for a in rw_alphas}
    best_bg = max(cam_only, key=cam_only.get)
    return dict(seed=seed, cam_only=cam_only, best_cam_bg=best_bg,
                best_cam_mIoU=cam_only[best_bg], rw_mIoU=rw, rw_untrained_mIoU=untrained,
                diag={k: round(float(np.mean(v)), 3) for k, v in diag.items()},
                seconds=dict(cam_net=round(t_cam, 1), all=round(time.time() - t0, 1)))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--seeds', type=int, nargs='+', default=[0])
    p.add_argument('--images', type=int, default=64)
    p.add_argument('--size', type=int, default=112)
    p.add_argument('--cam-steps', type=int, default=400)
    p.add_argument('--aff-steps', type=int, default=100)
    p.add_argument('--scales', type=float, nargs='+', default=[1.5, 2.5])
    p.add_argument('--aff-alphas', type=float, nargs=2, default=[1, 4])
    p.add_argument('--rw-alphas', type=float, nargs='+', default=[0.5, 1, 2, 4])
    p.add_argument('--mark', type=float, default=0.4)
    p.add_argument('--radius-range', type=float, nargs=2, default=[0.2, 0.3])
    a = p.parse_args(argv)
    for seed in a.seeds:
        with tempfile.TemporaryDirectory() as work:
            print(json.dumps(run(seed, a.images, a.size, a.cam_steps, a.aff_steps, a.scales,
                                 a.aff_alphas, a.rw_alphas, a.mark, tuple(a.radius_range),
                                 work)), flush=True)


if __name__ == '__main__':
    main()
