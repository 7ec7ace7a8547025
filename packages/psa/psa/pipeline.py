"""PSA's pipeline steps as plain functions on a VOC-layout data root and folders (what the
stages of ``SPEC`` and the learning test call):

``make_cam``        multi-scale + flip CAMs of the trained CAM net (``cvshared.wsss.cam``,
                    ``variant='psa'``), ``<cam_dir>/<name>.npy`` in the official PSA format;
``make_aff_labels`` the la / ha dense-CRF score stacks (alpha 4 / 32) per image,
                    ``<label_dir>/<name>.npz`` (``keys``, ``la``, ``ha`` float16);
``aff_label``       one training sample's stride-8 affinity label map from those stacks after
                    the joint crop (pool by 8, the label rule);
``random_walk``     the propagated pseudo labels ``<out_dir>/<name>.png`` (VOC palette PNGs,
                    ``cvshared.wsss.export.save_label_png``: what the DeepLab stage trains on)
                    and their mIoU against the ground truth, with the CAM-only labels' mIoU
                    beside it: at the paper's background score 0.2 and at the best constant
                    background score of ``BG_SWEEP`` (the fair CAM-only baseline).
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
import torch
from PIL import Image

from .models.labels import crf_scores, label_from_scores, pool_scores
from .random_walk import cam_labels, random_walk_labels

MEAN = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1)
STD = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1)
# constant background scores swept for the best CAM-only labels (the paper's is 0.2)
BG_SWEEP = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
# the la / ha background powers of the affinity labels (paper, infer_cls.py: 4 / 32)
AFF_LABEL_ALPHAS = (4, 32)


def normalize(x: torch.Tensor) -> torch.Tensor:
    """Official ``Normalize`` on a ``3 x H x W`` 0..255 float image."""
    return (x.float() - MEAN.to(x.device)) / STD.to(x.device)


def read_rgb(path: str) -> np.ndarray:
    with Image.open(path) as im:
        return np.array(im.convert("RGB"))  # writable (pydensecrf refuses read-only buffers)


def make_cam(cam_net, items, cam_dir: str, scales=(1.0, 0.5, 1.5, 2.0)) -> None:
    """``items``: dicts with ``img_path``, ``img_name``, ``img_labels`` (VOCWSSSDataset)."""
    from cvshared.wsss.cam import multiscale_cam, save_cam
    cam_net.eval()
    os.makedirs(cam_dir, exist_ok=True)
    for it in items:
        img = torch.from_numpy(np.ascontiguousarray(read_rgb(it['img_path']))).permute(2, 0, 1)
        out = multiscale_cam(cam_net.forward_cam, img, scales=scales, flip=True, variant='psa',
                             label=torch.as_tensor(it['img_labels']), normalize=normalize)
        save_cam(osp.join(cam_dir, it['img_name'] + '.npy'), out, format='psa')


def make_aff_labels(items, cam_dir: str, label_dir: str, alphas=AFF_LABEL_ALPHAS) -> None:
    from cvshared.wsss.cam import load_cam
    os.makedirs(label_dir, exist_ok=True)
    for it in items:
        img = read_rgb(it['img_path'])
        cam = load_cam(osp.join(cam_dir, it['img_name'] + '.npy'), img.shape[:2], stride=None)
        la = crf_scores(img, cam['high_res'], alphas[0])
        ha = crf_scores(img, cam['high_res'], alphas[1])
        np.savez(osp.join(label_dir, it['img_name'] + '.npz'), keys=cam['keys'],
                 la=la.astype(np.float16), ha=ha.astype(np.float16))


def load_aff_scores(label_dir: str, name: str):
    path = osp.join(label_dir, name + '.npz')
    if not osp.isfile(path):
        raise FileNotFoundError(f'affinity label file {path!r} not found: run the '
                                f'make_aff_labels stage first')
    with np.load(path) as f:
        return f['la'].astype(np.float32), f['ha'].astype(np.float32)


def aff_label(la: np.ndarray, ha: np.ndarray, stride: int = 8) -> torch.Tensor:
    """Stride-8 label map of (cropped) la / ha stacks whose size is a multiple of ``stride``."""
    return label_from_scores(pool_scores(la, stride), pool_scores(ha, stride))


@torch.no_grad()
def random_walk(aff_net, items, cam_dir: str, out_dir: str | None = None, num_classes: int = 20,
                method: str = 'sparse', bg_sweep=BG_SWEEP, **rw_kwargs) -> dict:
    """Pseudo labels of every item; returns ``dict(mIoU=RW, cam_mIoU=CAM-only at bg 0.2,
    cam_best_mIoU=CAM-only at the best constant background score of bg_sweep, cam_best_bg=that
    score)`` (mIoUs as fractions, 0..1) when the items have ``seg_map_path``."""
    from cvshared.datasets.voc import read_voc_mask
    from cvshared.metrics.segmentation import evaluate_label_maps
    from cvshared.wsss.cam import load_cam
    from cvshared.wsss.export import save_label_png
    aff_net.eval()
    preds, cams, gts = [], [], []
    for it in items:
        img = read_rgb(it['img_path'])
        cam = load_cam(osp.join(cam_dir, it['img_name'] + '.npy'), img.shape[:2], stride=None)
        x = normalize(torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1))
        out = random_walk_labels(aff_net.affinity, x, cam['keys'], cam['high_res'],
                                 num_classes=num_classes, method=method, **rw_kwargs)
        label = out['label'].numpy().astype(np.uint8)
        if out_dir is not None:
            save_label_png(osp.join(out_dir, it['img_name'] + '.png'), label)
        if it.get('seg_map_path'):
            preds.append(label)
            cams.append((cam['keys'], cam['high_res']))
            gts.append(read_voc_mask(it['seg_map_path']))
    if not gts:
        return {}
    def cam_only(bg):
        return evaluate_label_maps([cam_labels(k, c, g.shape, num_classes, bg=bg).numpy()
                                    for (k, c), g in zip(cams, gts)], gts,
                                   num_classes + 1)['mIoU']

    rw = evaluate_label_maps(preds, gts, num_classes + 1)
    sweep = {bg: cam_only(bg) for bg in bg_sweep}
    best = max(sweep, key=sweep.get)
    return dict(mIoU=rw['mIoU'], cam_mIoU=sweep[0.2] if 0.2 in sweep else cam_only(0.2),
                cam_best_mIoU=sweep[best], cam_best_bg=best)


# -- the 'call' stages of ``psa.paper.SPEC.pipeline`` (``cvshared.engine.stages``) -------------
# Each is ``fn(cfg, work_dir, inputs)``: ``cfg`` the stage's config, loaded and bound to the
# earlier stages' outputs, ``work_dir`` its output folder, ``inputs`` the earlier outputs
# (``inputs['<stage>']`` folders, ``inputs['<train stage>_checkpoint']`` checkpoints).

def _items(dataset_cfg) -> list:
    """The data infos (``img_path``, ``img_name``, ``img_labels``, ``seg_map_path``) of a
    config's ``VOCWSSSDataset`` (its data root, image list and mask folder; no pipeline)."""
    from cvshared.datasets.voc import VOCWSSSDataset
    ds = VOCWSSSDataset(data_root=dataset_cfg['data_root'], ann_file=dataset_cfg['ann_file'],
                        data_prefix=dict(dataset_cfg.get('data_prefix') or {}),
                        pipeline=[], serialize_data=False)
    return [ds.get_data_info(i) for i in range(len(ds))]


def _trained_model(cfg, checkpoint: str):
    """``cfg.model`` built (no pretrained init: the stage's checkpoint replaces it) with the
    checkpoint loaded strictly and safely."""
    from cvshared.engine.weights import load_weights

    from .registry import MODELS
    model = MODELS.build(cfg.model)
    load_weights(model, checkpoint, strict=True, paper='psa')
    return model.eval()


def make_cam_stage(cfg, work_dir: str, inputs: dict) -> None:
    """Stage make_cam (config: the CAM net's): CAMs of the train_cam checkpoint for every image
    of the CAM config's training list (train_aug: the affinity labels need them, and train is a
    subset of it), or of its ``make_cam_list`` (the synthetic config: ``train.txt``; it trains
    on ``train_cam.txt``, which adds background-only images) -> ``<work_dir>/<name>.npy``, at
    the config's ``cam_scales`` (official
    ``infer_cls.py``: 1, 0.5, 1.5, 2; the synthetic config upscales its 80 x 80 images)."""
    model = _trained_model(cfg, inputs['train_cam_checkpoint'])
    dataset = dict(cfg.train_dataloader.dataset)
    if cfg.get('make_cam_list'):
        dataset['ann_file'] = cfg.make_cam_list
    make_cam(model, _items(dataset), work_dir,
             scales=tuple(cfg.get('cam_scales', (1.0, 0.5, 1.5, 2.0))))


def make_aff_labels_stage(cfg, work_dir: str, inputs: dict) -> None:
    """Stage make_aff_labels (config: the AffinityNet's, whose training list it labels): the la /
    ha CRF score stacks of the make_cam CAMs -> ``<work_dir>/<name>.npz``, with the config's
    ``aff_label_alphas`` (la, ha) background powers (default the paper's 4, 32)."""
    alphas = tuple(cfg.get('aff_label_alphas', AFF_LABEL_ALPHAS))
    if len(alphas) != 2 or not 0 < alphas[0] < alphas[1]:
        raise ValueError(f'{cfg.filename}: aff_label_alphas = {alphas!r}; expected (la, ha) '
                         f'background powers with 0 < la < ha (the paper\'s are (4, 32))')
    make_aff_labels(_items(cfg.train_dataloader.dataset), inputs['make_cam'], work_dir,
                    alphas=alphas)


def _label_items(cfg) -> list:
    """The images the random_walk stage labels: the AffinityNet config's training list
    (train_aug: the DeepLab stage trains on their pseudo labels) then the images of its test
    list not in it; only the test list's images (VOC 2012 train, with ``SegmentationClass``)
    keep ``seg_map_path``, so the mIoU is the paper's (58.1 on train)."""
    train = _items(cfg.train_dataloader.dataset)
    test = {it['img_name']: it for it in _items(cfg.test_dataloader.dataset)}
    items = []
    for it in train:
        it = dict(it, seg_map_path=test[it['img_name']]['seg_map_path']
                  if it['img_name'] in test else None)
        items.append(it)
    names = {it['img_name'] for it in items}
    return items + [it for name, it in test.items() if name not in names]


def random_walk_stage(cfg, work_dir: str, inputs: dict) -> dict:
    """Stage random_walk (config: the AffinityNet's): random walk of the make_cam CAMs with the
    train_aff checkpoint on the config's training list (train_aug) and test list (VOC 2012
    train) -> ``<work_dir>/<name>.png`` (VOC palette; the pseudo labels of the train_deeplab
    stage); returns the pseudo labels' ``mIoU`` and the CAM-only labels' ``cam_mIoU`` (bg 0.2) on
    the test list in percent (the paper's units: 58.1 and 48.0 on VOC 2012 train), and the
    CAM-only labels at their best constant background score of ``BG_SWEEP``: ``cam_best_mIoU``
    (percent) and ``cam_best_bg`` (the score). The model's
    ``rw_cfg`` (``alpha`` background power, ``beta``, ``logt``, ``radius``, ``method``; paper
    16, 8, 8, 5: ``infer_aff.py``'s defaults) is the one its test mode uses."""
    model = _trained_model(cfg, inputs['train_aff_checkpoint'])
    out = random_walk(model, _label_items(cfg), inputs['make_cam'], out_dir=work_dir,
                      **model.rw_cfg)
    return {k: v if k == 'cam_best_bg' else 100.0 * v for k, v in out.items()}
