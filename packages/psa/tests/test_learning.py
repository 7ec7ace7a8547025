"""End to end on the synthetic VOC set, every stage learned from the images: the CAM net trained
on the image-level labels -> multi-scale CAMs -> affinity labels (dense CRF) -> AffinityNet ->
random walk. The propagated pseudo labels beat the CAM-only labels at their BEST constant
background threshold (swept 0.1-0.8 on the same images), not only the paper's 0.2.

The set is the package's own (``psa.datasets.make_synthetic``: the marked style, 112 x 112,
two classes), shrunk to 16 training images + 8 background-only ones for the CAM net; the nets
are the synthetic configs' tiny ResNet-38 (widths 8-64), trained with Adam at a constant lr
(the recipe of ``tools/learned_chain.py``) for 150 CAM steps and 100 AffinityNet steps; make_cam
at the synthetic config's scales 1.5, 2.5 (+ flip), la / ha background powers 1 / 4, walk power
1 (``configs/psa/*_synthetic.py``). README, Results: the seed sweep behind the margin.
"""
import os.path as osp

import pytest
import torch

TINY = dict(type='ResNet38', widths=(8, 16, 16, 32, 32, 64), depths=(1, 1, 1, 1), frozen=(),
            dropouts=(0.0, 0.0), norm_eval=False)   # from scratch: BN trains
SEED = 0            # fixed before the sweep (README, Results)
CAM_STEPS, AFF_STEPS, LR, BATCH = 150, 100, 3e-3, 8


def _train(model, imgs, targets, key, steps):
    opt = torch.optim.Adam(model.parameters(), LR)
    model.train()
    for step in range(steps):
        idx = torch.randperm(len(imgs))[:BATCH]
        x, t = imgs[idx], targets[idx]
        if step % 2:
            x = x.flip(-1)
            t = t.flip(-1) if key == 'aff_label' else t
        loss = model(x, [{key: v} for v in t], mode='loss')['loss']
        opt.zero_grad()
        loss.backward()
        opt.step()


def run_chain(work: str, seed: int) -> dict:
    """The whole chain in ``work`` (the seed draws the data and the weights); returns
    ``psa.pipeline.random_walk``'s dict (``mIoU`` = RW, ``cam_best_mIoU`` / ``cam_best_bg``,
    ``cam_mIoU`` at bg 0.2) on the 16 training images."""
    from cvshared.datasets.voc import VOCWSSSDataset
    from psa import pipeline as P
    from psa.datasets import make_synthetic
    from psa.models import PsaAffinityNet, PsaCAMNet
    torch.manual_seed(seed)
    root = make_synthetic(osp.join(work, 'voc'), num_train=16, num_val=1, num_empty=8,
                          seed=seed)

    def load(lst):
        ds = VOCWSSSDataset(data_root=root, ann_file=f'ImageSets/Segmentation/{lst}.txt',
                            serialize_data=False)
        items = [ds.get_data_info(i) for i in range(len(ds))]
        imgs = torch.stack([P.normalize(torch.from_numpy(P.read_rgb(it['img_path']))
                                        .permute(2, 0, 1)) for it in items])
        return items, imgs

    cam_items, cam_imgs = load('train_cam')      # train + the background-only images
    items, imgs = load('train')
    labels = torch.stack([torch.as_tensor(it['img_labels'], dtype=torch.float32)
                          for it in cam_items])
    cam_net = PsaCAMNet(backbone=TINY, dropout=0.0)
    _train(cam_net, cam_imgs, labels, 'img_labels', CAM_STEPS)
    cam_dir, lab_dir = osp.join(work, 'cam'), osp.join(work, 'aff_labels')
    P.make_cam(cam_net, items, cam_dir, scales=(1.5, 2.5))
    P.make_aff_labels(items, cam_dir, lab_dir, alphas=(1, 4))
    aff = torch.stack([P.aff_label(*P.load_aff_scores(lab_dir, it['img_name']))
                       for it in items])
    torch.manual_seed(seed)
    aff_net = PsaAffinityNet(backbone=TINY)
    _train(aff_net, imgs, aff, 'aff_label', AFF_STEPS)
    out = P.random_walk(aff_net, items, cam_dir, alpha=1, out_dir=osp.join(work, 'rw'))
    out['aff_labels'] = sorted(aff.unique().tolist())
    out['items'] = items
    return out


@pytest.mark.slow
def test_learned_chain_beats_best_cam_threshold_on_synthetic_voc(tmp_path):
    out = run_chain(str(tmp_path), SEED)
    assert out['aff_labels'] == [0, 1, 2, 255]
    # seed 0 (fixed before the sweep): best CAM-only 0.663 (bg 0.5), RW 0.799 (+0.136). The same
    # chain on seeds 1-9 (`python packages/psa/tests/test_learning.py 1 ... 9`, README Results):
    # RW above the best CAM-only threshold on 9 of 9, gains 0.075 / 0.108 / 0.010 / 0.064 / 0.064
    # / 0.009 / 0.137 / 0.080 / 0.122 (mean 0.074). 0.03 (3 mIoU points, chosen with the seed)
    # fails a walk that does not clearly beat the tuned CAM-only labels and leaves seed 0 0.106
    # for float differences between machines; seeds 3 and 6 would not pass it (the gain is
    # seed-dependent, README Not done)
    assert out['mIoU'] > out['cam_best_mIoU'] + 0.03, out
    # the CAM stage learned the marks (CAM-only labels of an all-background map: ~0.3)
    assert out['cam_best_mIoU'] > 0.5, out
    assert osp.isfile(osp.join(str(tmp_path / 'rw'), out['items'][0]['img_name'] + '.png'))


if __name__ == '__main__':   # the seed sweep: python packages/psa/tests/test_learning.py 1 2 3
    import json
    import sys
    import tempfile
    import time
    torch.set_num_threads(1)
    for s in map(int, sys.argv[1:]):
        with tempfile.TemporaryDirectory() as w:
            t0 = time.time()
            r = run_chain(w, s)
            print(json.dumps(dict(seed=s, rw=round(r['mIoU'], 4),
                                  cam_best=round(r['cam_best_mIoU'], 4),
                                  cam_best_bg=r['cam_best_bg'], cam_02=round(r['cam_mIoU'], 4),
                                  gain=round(r['mIoU'] - r['cam_best_mIoU'], 4),
                                  seconds=round(time.time() - t0, 1))), flush=True)
