"""AD-CAM's pseudo-label steps as plain functions (what the stages of ``adcam.paper.SPEC`` and
the learning test call):

``make_cams``     multi-scale + flip CAMs of the trained CAM net for each coupling method
                  (``'cam'``, ``'transcam'``, ``'adcam'``; :func:`cvshared.wsss.cam.multiscale_cam`,
                  ``variant='psa'``: ReLU, sum over scales and flips at full size, max-normalised)
                  -> ``<cam_dir>/<method>/<name>.npy`` (PSA's dict format);
(pseudo label of one image: :func:`cvshared.wsss.cam.cam_label`, a constant background score,
                  TransCAM's ``infer_TransCAM.py``: 0.6 / 0.25 before CRF, against the
                  normalised CAMs, argmax);
``evaluate``      the pseudo labels' mIoU of each method against the masks, at a fixed background
                  score and at the best one of ``BG_SWEEP`` (each method gets its own best: the
                  coupling changes the CAMs' spread, so one threshold would favour one method);
                  optionally writes the labels as VOC palette PNGs (the DeepLab stage's input).
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
import torch
from cvshared.wsss.cam import cam_label
from PIL import Image

from .models.coupling import METHODS

MEAN = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1)
STD = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1)
BG_SWEEP = tuple(round(0.1 + 0.05 * i, 2) for i in range(17))     # 0.1, 0.15, ..., 0.9


def normalize(x: torch.Tensor) -> torch.Tensor:
    """ImageNet normalisation of a ``3 x H x W`` 0..255 float image (TransCAM ``Normalize``)."""
    return (x.float() - MEAN.to(x.device)) / STD.to(x.device)


def read_rgb(path: str) -> np.ndarray:
    if not osp.isfile(path):
        raise FileNotFoundError(f'image {path!r} not found (check the data root and its '
                                f'JPEGImages folder)')
    with Image.open(path) as im:
        return np.array(im.convert('RGB'))


def image_cams(cam_net, img: np.ndarray, label, methods=METHODS, scales=(1.0,), flip=True):
    """``{method: dict(keys, high_res (K, H, W))}`` for one ``H x W x 3`` uint8 image."""
    from cvshared.wsss.cam import multiscale_cam
    x = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)
    out = {}
    for m in methods:
        if m not in METHODS:
            raise ValueError(f'unknown method {m!r}; one of {METHODS}')
        out[m] = multiscale_cam(lambda b, m=m: cam_net.forward_cam(b, m), x, scales=scales,
                                flip=flip, variant='psa', label=torch.as_tensor(label),
                                normalize=normalize)
    return out


@torch.no_grad()
def make_cams(cam_net, items, cam_dir: str | None = None, methods=METHODS, scales=(1.0,),
              flip=True) -> dict:
    """CAMs of every item (``img_path``, ``img_name``, ``img_labels``) for every method:
    ``{name: {method: dict(keys, high_res)}}``; written to ``<cam_dir>/<method>/<name>.npy``
    when ``cam_dir``."""
    from cvshared.wsss.cam import save_cam
    cam_net.eval()
    out = {}
    for it in items:
        cams = image_cams(cam_net, read_rgb(it['img_path']), it['img_labels'], methods, scales,
                          flip)
        out[it['img_name']] = cams
        if cam_dir is not None:
            for m, c in cams.items():
                os.makedirs(osp.join(cam_dir, m), exist_ok=True)
                save_cam(osp.join(cam_dir, m, it['img_name'] + '.npy'), c, format='psa')
    return out


def evaluate(items, cams: dict, bg: float = 0.4, bg_sweep=BG_SWEEP, num_classes: int = 20,
             out_dir: str | None = None) -> dict:
    """``{method: dict(mIoU at bg, best_mIoU, best_bg)}`` (mIoU in percent) of the pseudo labels
    of ``cams`` (:func:`make_cams`) against the items whose ``seg_map_path`` exists (VOC
    train_aug: the VOC train images; the SBD ones have no ``SegmentationClass`` mask). With
    ``out_dir``: the labels of every item at ``bg`` as ``<out_dir>/<method>/<name>.png`` (VOC
    palette: the DeepLab stage's input)."""
    from cvshared.datasets.voc import read_voc_mask
    from cvshared.metrics.segmentation import evaluate_label_maps
    from cvshared.wsss.export import save_label_png
    gts = {it['img_name']: read_voc_mask(it['seg_map_path']) for it in items
           if it.get('seg_map_path') and osp.isfile(it['seg_map_path'])}
    if not gts:
        raise ValueError('evaluate: no item has a ground-truth mask (seg_map_path: '
                         f'{items[0].get("seg_map_path") if items else None!r})')
    methods = list(next(iter(cams.values())).keys())
    result = {}
    for m in methods:
        def miou(b, m=m):
            preds = [cam_label(cams[n][m]['keys'], cams[n][m]['high_res'], b).numpy()
                     for n in gts]
            return 100.0 * evaluate_label_maps(preds, list(gts.values()), num_classes + 1)['mIoU']
        sweep = {b: miou(b) for b in bg_sweep}
        best = max(sweep, key=sweep.get)
        result[m] = dict(mIoU=sweep[bg] if bg in sweep else miou(bg), best_mIoU=sweep[best],
                         best_bg=best)
        if out_dir is not None:
            for n in cams:
                lab = cam_label(cams[n][m]['keys'], cams[n][m]['high_res'], bg)
                save_label_png(osp.join(out_dir, m, n + '.png'), lab.numpy().astype(np.uint8))
    return result


# -- the 'call' stage of ``adcam.paper.SPEC.pipeline`` (``cvshared.engine.stages``) -------------

def _items(dataset_cfg, ann_file: str | None = None) -> list:
    """The data infos (``img_path``, ``img_name``, ``img_labels``, ``seg_map_path``) of a
    config's ``VOCWSSSDataset`` (data root, image list, mask folder ``SegmentationClass``)."""
    from cvshared.datasets.voc import VOCWSSSDataset
    ds = VOCWSSSDataset(data_root=dataset_cfg['data_root'],
                        ann_file=ann_file or dataset_cfg['ann_file'],
                        data_prefix=dict(seg_map_path='SegmentationClass'),
                        pipeline=[], serialize_data=False)
    return [ds.get_data_info(i) for i in range(len(ds))]


def make_pseudo_labels_stage(cfg, work_dir: str, inputs: dict) -> dict:
    """Stage make_pseudo_labels (config: the CAM net's): multi-scale + flip CAMs of the
    train_cam checkpoint (``cam_scales``) for the three methods on ``label_list`` (VOC 2012
    train_aug; scored on its images with a ``SegmentationClass`` mask, VOC train), their pseudo
    labels at ``label_bg`` -> ``<work_dir>/<method>/<name>.png``; returns
    ``<method>/mIoU`` (at ``label_bg``), ``<method>/best_mIoU`` and ``<method>/best_bg`` (each
    method's best constant background score of ``BG_SWEEP``), mIoU in percent."""
    from cvshared.engine.weights import load_weights

    from .registry import MODELS
    model = MODELS.build(cfg.model)
    load_weights(model, inputs['train_cam_checkpoint'], strict=True, paper='adcam')
    model.eval()
    items = _items(cfg.test_dataloader.dataset, cfg.get('label_list'))
    cams = make_cams(model, items, scales=tuple(cfg.get('cam_scales', (1.0,))))
    res = evaluate(items, cams, bg=float(cfg.get('label_bg', 0.4)), out_dir=work_dir)
    return {f'{m}/{k}': float(v) for m, r in res.items() for k, v in r.items()}
