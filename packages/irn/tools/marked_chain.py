"""IRN's chain learned end to end from images on psa's "marked" synthetic set, against the BEST
constant-threshold CAM-only labels of the same images (README, Results).

    OMP_NUM_THREADS=1 .venv/bin/python packages/irn/tools/marked_chain.py --seeds 0 1 2

Per seed (the seed draws the data set and the weights): ``make_voc_synthetic(mark=0.4,
radius_range=(0.2, 0.3))`` (``irn.datasets.make_chain_synthetic``'s style), ``--images`` (64)
training images of ``--size`` px (128), two classes, <= 2 objects; IRN's CAM net on the tiny
ResNet-18 of the synthetic config (base width 8, output stride 16, from scratch) trained
``--cam-steps`` (400) Adam 3e-3 steps of 8 images (every second one flipped);
``irn.pipeline.make_cam`` (scales 1, 0.5, 1.5, 2 + flip); the CAM-only labels swept over
``irn.pipeline.CAM_SWEEP_THRES`` -> best threshold ``t*``; IR labels (CRF) with fg ``t*`` and
bg ``t* / 3`` (``--ir-thres -1 -1``, the rule; or two fixed values); IRNet (backbone from the
CAM net's, trained with the branches, pair radius 5) ``--irn-steps`` (100) Adam 1e-2 steps;
the random walk (radius 5, beta 10, 2^8 steps) with its background threshold swept the same
way. Prints JSON lines per seed: CAM-only at 0.15 / best, walk at 0.25 / at ``t*`` / best,
instance mAP (walk bg ``t*``), the mean CAM on the mark / body / background, the IR labels'
share right on their confident pixels and the share of confident pixels.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F


def run(seed, images, size, cam_steps, irn_steps, cam_strides, ir_thres, scales, work):
    from cvshared.datasets.voc import VOCWSSSDataset, read_voc_mask
    from cvshared.datasets.voc_synthetic import make_voc_synthetic
    from cvshared.metrics.segmentation import evaluate_label_maps
    from cvshared.ops.affinity import PathIndex
    from irn import pipeline as P
    from irn.labels import _propagate, downscale_label, pair_labels
    from irn.models import IrnCAMNet, IrnNet
    t0 = time.time()
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    root = make_voc_synthetic(osp.join(work, 'voc'), num_train=images, num_val=1,
                              size=(size, size), classes=('aeroplane', 'bicycle'),
                              max_objects=2, seed=seed, mark=0.4, radius_range=(0.2, 0.3))
    ds = VOCWSSSDataset(data_root=root, ann_file='ImageSets/Segmentation/train.txt',
                        data_prefix=dict(seg_map_path='SegmentationClass'),
                        with_instances=True, serialize_data=False)
    items = [ds.get_data_info(i) for i in range(len(ds))]
    for it in items:
        inst = osp.join(root, 'SegmentationObject', it['img_name'] + '.png')
        if not osp.isfile(inst):
            raise FileNotFoundError(f'{inst} missing: the generator writes one per image')
        it['inst_map_path'] = inst
    rgb = [P.read_rgb(it['img_path']) for it in items]
    imgs = torch.stack([P.normalize(torch.from_numpy(x).permute(2, 0, 1)) for x in rgb])
    lab = torch.stack([torch.as_tensor(it['img_labels'], dtype=torch.float32) for it in items])
    bb = dict(type='IrnResNet', depth=18, base_channels=8, stem_channels=8,
              strides=tuple(cam_strides), norm_eval=False, frozen_stages=-1, detach=(),
              init_cfg=None)
    cam_net = IrnCAMNet(backbone=bb, num_classes=20)
    opt = torch.optim.Adam(cam_net.parameters(), 3e-3)
    cam_net.train()
    for step in range(cam_steps):
        idx = torch.randperm(len(imgs))[:8]
        x = imgs[idx]
        if step % 2:
            x = x.flip(-1)
        loss = F.multilabel_soft_margin_loss(cam_net.logits(x), lab[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    t_cam = time.time() - t0
    cam_dir = osp.join(work, 'cam')
    P.make_cam(cam_net, items, cam_dir, scales=tuple(scales))
    gts = [read_voc_mask(it['seg_map_path']) for it in items]
    diag = {}
    for x, it, g in zip(rgb, items, gts):
        c = P._cam(cam_dir, it['img_name'], g.shape)
        peak = np.asarray(c['high_res']).max(0)
        obj = (g > 0) & (g < 255)
        tinted = x.max(-1) > 120     # the mark (the body is <= 55, the grey background < 210)
        for name, reg in (('mark', obj & tinted), ('body', obj & ~tinted), ('bg', g == 0)):
            if reg.any():
                diag.setdefault('cam_' + name, []).append(float(peak[reg].mean()))
    res = dict(seed=seed, size=size, cam_loss=round(loss.item(), 3), t_cam=round(t_cam, 1))
    res['diag'] = {k: round(float(np.mean(v)), 3) for k, v in diag.items()}
    sweep = [round(float(t), 2) for t in P.CAM_SWEEP_THRES]
    cams = [P._cam(cam_dir, it['img_name'], g.shape) for it, g in zip(items, gts)]
    cam = {t: round(evaluate_label_maps([P.cam_only_label(c, t) for c in cams], gts,
                                        21)['mIoU'], 4) for t in sweep}
    tstar = max(cam, key=cam.get)
    fg, bg = (tstar, tstar / 3) if ir_thres[0] < 0 else ir_thres  # the rule: fixed beforehand
    res.update(ir_thres=[round(fg, 3), round(bg, 3)], cam_best_thres=tstar,
               cam_only_best=cam[tstar], cam_only_015=cam[0.15])
    lab_dir = osp.join(work, 'ir')
    P.make_ir_labels(items, cam_dir, lab_dir, fg, bg)
    irs = [P.load_ir_label(lab_dir, it['img_name']) for it in items]
    conf = [(ir != 255) & (g != 255) for ir, g in zip(irs, gts)]
    right = sum(((ir == g) & c).sum() for ir, g, c in zip(irs, gts, conf))
    res['ir_right'] = round(float(right / max(sum(c.sum() for c in conf), 1)), 3)
    res['ir_conf_frac'] = round(float(np.mean([c.mean() for c in conf])), 3)
    index = PathIndex(5, (size // 4, size // 4))
    labels = [[pair_labels(downscale_label(np.ascontiguousarray(ir[:, ::-1] if f else ir)),
                           index) for ir in irs] for f in (False, True)]
    ibb = dict(depth=18, base_channels=8, stem_channels=8, norm_eval=False, frozen_stages=-1,
               detach=(), init_cfg=None)
    torch.manual_seed(seed)
    model = IrnNet(backbone=ibb, radius=5, crop_size=size, freeze_backbone=False)
    model.backbone.load_state_dict({k[9:]: v for k, v in cam_net.state_dict().items()
                                    if k.startswith('backbone.')}, strict=True)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], 1e-2)
    model.train()
    t1 = time.time()
    for step in range(irn_steps):
        idx = torch.randperm(len(items))[:8].tolist()
        flip = step % 2
        x = imgs[idx].flip(-1) if flip else imgs[idx]
        samples = [dict(zip(('aff_bg_pos', 'aff_fg_pos', 'aff_neg'), labels[flip][i]))
                   for i in idx]
        loss = model(x, samples, mode='loss')['loss']
        opt.zero_grad()
        loss.backward()
        opt.step()
    res['t_irn'] = round(time.time() - t1, 1)
    model.eval()
    rw_pred = {t: [] for t in sweep}
    with torch.no_grad():
        for x, g, c in zip(rgb, gts, cams):
            lut = np.concatenate([[0], np.asarray(c['keys']).reshape(-1) + 1])
            edge, _ = P.boundary_and_displacement(model, x, size)
            up = _propagate(torch.as_tensor(c['cam'], dtype=torch.float32), edge, g.shape,
                            5, 10, 8, 'sparse')
            for t in sweep:   # the official argmax behind a constant background t
                rw_pred[t].append(lut[torch.argmax(F.pad(up, (0, 0, 0, 0, 1, 0), value=t),
                                                   0).numpy()])
    rw = {t: round(evaluate_label_maps(rw_pred[t], gts, 21)['mIoU'], 4) for t in sweep}
    rbest = max(rw, key=rw.get)
    res.update(rw_025=rw[0.25], rw_at_cam_best=rw[tstar], rw_best_thres=rbest,
               rw_best=rw[rbest], cam_sweep=cam, rw_sweep=rw)
    ins = P.make_ins_seg_labels(model, items, cam_dir, crop_size=size, bg_thres=tstar)
    res['ins'] = {k: round(v, 4) for k, v in ins.items()}
    res['t_all'] = round(time.time() - t0, 1)
    return res


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--seeds', type=int, nargs='+', default=[0])
    p.add_argument('--images', type=int, default=64)
    p.add_argument('--size', type=int, default=128)
    p.add_argument('--cam-steps', type=int, default=400)
    p.add_argument('--irn-steps', type=int, default=100)
    p.add_argument('--cam-strides', type=int, nargs=4, default=[1, 2, 2, 1])
    p.add_argument('--ir-thres', type=float, nargs=2, default=[-1, -1],
                   help='IR-label fg / bg; negative: fg = t*, bg = t* / 3')
    p.add_argument('--scales', type=float, nargs='+', default=[1.0, 0.5, 1.5, 2.0])
    a = p.parse_args(argv)
    for s in a.seeds:
        with tempfile.TemporaryDirectory() as w:
            print(json.dumps(run(s, a.images, a.size, a.cam_steps, a.irn_steps, a.cam_strides,
                                 a.ir_thres, a.scales, w)), flush=True)


if __name__ == '__main__':
    main()
