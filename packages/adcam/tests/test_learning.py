"""End to end on the shared synthetic VOC set, everything learned from the images: the tiny
Conformer CAM net trained on the image-level labels -> single-scale + flip CAMs -> the pseudo
labels of plain CAM, TransCAM's coupling and AD-CAM (this package's defaults), each at its best
constant background score (0.1 .. 0.9, same images), scored against the masks.

Protocol (fixed on development seed 0 before the held-out seeds 1, 2, 3 were run; README,
Results has every seed): ``adcam.datasets.make_synthetic`` (the marked style, 128 x 128, two
classes) with 24 training images + 8 background-only ones, the synthetic config's net
(3 blocks, 48 dims, tied query/key init std 0.5), 120 AdamW steps of 8 (lr 1e-3, wd 1e-4,
flip every other step), scored on the 24 training images.

Findings, all seeds: AD-CAM is far above TransCAM (the conservative refinement + normalised
diffusion removes most of TransCAM's false positives), but NOT above plain CAM on this set.
The issue's requirement (AD-CAM clearly above plain CAM) is kept as a strict xfail, not weakened.
"""
import os.path as osp

import pytest
import torch

ARCH = dict(embed_dims=48, depths=3, num_heads=3, channel_ratio=0.25)
SEED = 0            # the development seed (README, Results: held-out 1, 2, 3)
STEPS, LR, BATCH = 120, 1e-3, 8
# seed spread of (AD-CAM - TransCAM) over seeds 0..3: +1.8 .. +13.2 points (README, Results);
# the margin is below the smallest
ADCAM_OVER_TRANSCAM = 1.0


def run_chain(work: str, seed: int) -> dict:
    """Train + pseudo labels in ``work``; ``adcam.pipeline.evaluate``'s dict per method."""
    import logging

    from adcam import pipeline as P
    from adcam.datasets import make_synthetic
    from adcam.models import AdcamCAMNet
    from cvshared.datasets.voc import VOCWSSSDataset, read_voc_mask
    from cvshared.metrics.segmentation import evaluate_label_maps
    from mmengine.logging import MMLogger
    MMLogger.get_current_instance().setLevel(logging.ERROR)   # init_weights' table
    torch.manual_seed(seed)
    root = make_synthetic(osp.join(work, 'voc'), num_train=24, num_val=1, num_empty=8,
                          seed=seed)

    def load(lst):
        ds = VOCWSSSDataset(data_root=root, ann_file=f'ImageSets/Segmentation/{lst}.txt',
                            serialize_data=False)
        items = [ds.get_data_info(i) for i in range(len(ds))]
        imgs = torch.stack([P.normalize(torch.from_numpy(P.read_rgb(it['img_path']))
                                        .permute(2, 0, 1)) for it in items])
        return items, imgs

    cam_items, imgs = load('train_cam')
    items, _ = load('train')
    labels = torch.stack([torch.as_tensor(it['img_labels'], dtype=torch.float32)
                          for it in cam_items])
    net = AdcamCAMNet(backbone=dict(type='AdcamConformer', arch=ARCH, drop_path_rate=0.0,
                                    qk_init=dict(std=0.5)))
    net.backbone.init_weights()
    opt = torch.optim.AdamW(net.parameters(), LR, weight_decay=1e-4)
    net.train()
    for step in range(STEPS):
        idx = torch.randperm(len(imgs))[:BATCH]
        x = imgs[idx].flip(-1) if step % 2 else imgs[idx]
        loss = net(x, [{'img_labels': v} for v in labels[idx]], mode='loss')['loss']
        opt.zero_grad()
        loss.backward()
        opt.step()
    cams = P.make_cams(net, items, scales=(1.0,))
    out = P.evaluate(items, cams)
    gts = [read_voc_mask(it['seg_map_path']) for it in items]
    out['background'] = 100.0 * evaluate_label_maps([g * 0 for g in gts], gts, 21)['mIoU']
    return out


@pytest.fixture(scope='module')
def chain(tmp_path_factory):
    return run_chain(str(tmp_path_factory.mktemp('adcam_chain')), SEED)


@pytest.mark.slow
def test_cam_net_learns_to_localise(chain):
    # against all-background labels on the same images (the CAMs must localise the objects)
    assert chain['cam']['best_mIoU'] > chain['background'] + 25.0, chain


@pytest.mark.slow
def test_adcam_beats_transcam_coupling(chain):
    a, t = chain['adcam']['best_mIoU'], chain['transcam']['best_mIoU']
    assert a > t + ADCAM_OVER_TRANSCAM, f'AD-CAM {a:.1f} vs TransCAM {t:.1f} (plain CAM ' \
                                        f'{chain["cam"]["best_mIoU"]:.1f})'


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason='not reached on the synthetic set: AD-CAM stays below '
                                       'plain CAM on every seed run (README, Results)')
def test_adcam_clearly_above_plain_cam(chain):
    a, c = chain['adcam']['best_mIoU'], chain['cam']['best_mIoU']
    assert a > c + 2.0, f'AD-CAM {a:.1f} vs plain CAM {c:.1f}'
