"""End to end on the synthetic VOC set (stages 3-5): affinity labels from CAMs through the dense
CRF, AffinityNet training, random walk; the propagated pseudo labels beat the CAM-only labels
at their best constant background threshold (swept on the same images).

The CAM stage is stood in for by peaked CAMs (a Gaussian bump at each object's centroid, width
0.6 x the object's radius: they miss the object's extent and spill over its border, as CAMs
do), so that the test measures AffinityNet and the random walk and fits the CI budget; the CAM
net's training is covered by the unit tests and ``configs/psa``.
"""
import os.path as osp

import numpy as np
import pytest
import torch

TINY = dict(type='ResNet38', widths=(8, 16, 16, 32, 32, 64), depths=(1, 1, 1, 1), frozen=(),
            dropouts=(0.0, 0.0), norm_eval=False)   # from scratch: BN trains


def peaked_cams(mask, keys, width=0.6):
    yy, xx = np.mgrid[:mask.shape[0], :mask.shape[1]]
    cams = []
    for k in keys:
        m = mask == k + 1
        ys, xs = np.nonzero(m)
        r = np.sqrt(m.sum() / np.pi)
        c = np.exp(-((yy - ys.mean()) ** 2 + (xx - xs.mean()) ** 2) / (2 * (width * r) ** 2))
        cams.append((c / c.max()).astype(np.float32))
    return np.stack(cams)


@pytest.mark.slow
def test_random_walk_beats_cam_labels_on_synthetic_voc(tmp_path):
    from cvshared.datasets.voc import VOCWSSSDataset, read_voc_mask
    from cvshared.datasets.voc_synthetic import make_voc_synthetic
    from cvshared.metrics.segmentation import evaluate_label_maps
    from cvshared.wsss.cam import save_cam
    from psa import pipeline as P
    from psa.models import PsaAffinityNet
    from psa.random_walk import cam_labels
    torch.manual_seed(0)
    # the plain-style two-class, 16-image 80 x 80 set these figures were measured on (the
    # package's synthetic set, psa.datasets.make_synthetic, is the marked style the whole-
    # pipeline run learns its CAMs on: README, Results)
    root = make_voc_synthetic(str(tmp_path / 'voc'), num_train=16, num_val=2, size=(80, 80),
                              classes=('aeroplane', 'bicycle'), max_objects=2, seed=0)
    ds = VOCWSSSDataset(data_root=root, ann_file='ImageSets/Segmentation/train.txt',
                        serialize_data=False)
    items = [ds.get_data_info(i) for i in range(len(ds))]
    cam_dir, lab_dir = str(tmp_path / 'cam'), str(tmp_path / 'aff_labels')
    gts, stand_in = [], []
    for it in items:
        keys = np.nonzero(it['img_labels'])[0]
        gts.append(read_voc_mask(it['seg_map_path']))
        cams = peaked_cams(gts[-1], keys)
        stand_in.append((keys, cams))
        save_cam(osp.join(cam_dir, it['img_name'] + '.npy'),
                 dict(keys=keys, cam=cams, high_res=cams), format='psa')
    P.make_aff_labels(items, cam_dir, lab_dir)
    imgs = torch.stack([P.normalize(torch.from_numpy(P.read_rgb(it['img_path'])).permute(2, 0, 1))
                        for it in items])
    labels = torch.stack([P.aff_label(*P.load_aff_scores(lab_dir, it['img_name']))
                          for it in items])
    assert set(labels.unique().tolist()) == {0, 1, 2, 255}
    model = PsaAffinityNet(backbone=TINY)
    before = P.random_walk(model, items, cam_dir)
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    model.train()
    for step in range(50):
        idx = torch.randperm(len(items))[:8]
        x, lab = imgs[idx], labels[idx]
        if step % 2:
            x, lab = x.flip(-1), lab.flip(-1)
        loss = model(x, [dict(aff_label=v) for v in lab], mode='loss')['loss']
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = P.random_walk(model, items, cam_dir, out_dir=str(tmp_path / 'rw'))
    # the CAM-only labels at every constant background score: the paper's 0.2 is the best one
    # for these CAMs (0.1 / 0.2 / 0.3 / 0.5 -> 0.716 / 0.749 / 0.718 / 0.588), so the walk is
    # compared with the best threshold, not a weak baseline
    cam_only = {bg: evaluate_label_maps([cam_labels(k, c, g.shape, 20, bg=bg).numpy()
                                         for (k, c), g in zip(stand_in, gts)], gts, 21)['mIoU']
                for bg in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)}
    assert abs(cam_only[0.2] - after['cam_mIoU']) < 1e-9
    # measured (torch seeds 0 / 1 / 2 / 3, same data): best CAM-only 0.749 (bg 0.2), RW untrained
    # 0.291, RW trained 0.844 / 0.842 / 0.824 / 0.817: the smallest gain over the best threshold
    # is 0.068, so 0.04 fails a walk that does not clearly beat the tuned CAM-only labels
    assert after['mIoU'] > max(cam_only.values()) + 0.04, (before, after, cam_only)
    assert after['mIoU'] > before['mIoU'] + 0.3, (before, after)
    assert osp.isfile(osp.join(str(tmp_path / 'rw'), items[0]['img_name'] + '.png'))
