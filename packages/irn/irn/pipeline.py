"""IRN's pipeline steps as plain functions on a VOC-layout data root and folders (what the
stages of ``irn.paper.SPEC`` and the learning test call), after the official chain
``run_sample.py`` -> ``step/*.py``:

``make_cam``            multi-scale + flip CAMs of the trained CAM net (``step/make_cam.py``,
                        :func:`cvshared.wsss.cam.multiscale_cam` ``variant='irn'``), the official
                        ``<cam_dir>/<name>.npy`` (``keys``, ``cam`` at stride 4, ``high_res``);
``tune_cam_threshold``  (synthetic chain only) the CAM-only labels' best background threshold
                        on a separate draw of the synthetic generator (``tuning.json``): the
                        IR-label and walk thresholds, chosen without the evaluated images;
``make_ir_labels``      the inter-pixel relation labels (``step/cam_to_ir_label.py``,
                        :func:`irn.labels.cam_to_ir_label`: fg 0.30 / bg 0.05 + dense CRF),
                        ``<label_dir>/<name>.png`` (grey ids, 0 bg, 255 unsure);
``make_sem_seg_labels`` the random walk of the stride-4 CAMs on the IRNet boundary map
                        (``step/make_sem_seg_labels.py``), ``<out_dir>/<name>.png`` (VOC
                        palette), with the pseudo labels' mIoU and the CAM-only labels' mIoU
                        (``step/eval_cam.py``: ``high_res`` with the constant bg 0.15);
``make_ins_seg_labels`` the instance pseudo labels (``step/make_ins_seg_labels.py``: centroids,
                        clusters, the walk per instance), ``<out_dir>/<name>.npz`` and the COCO
                        json (``step/make_cocoann.py``, :mod:`irn.export`), with the chainercv
                        VOC instance AP at IoU 0.5 / 0.7 (``step/eval_ins_seg.py``,
                        :func:`cvshared.metrics.instance_ap.eval_instance_segmentation_voc`).
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
import torch
from PIL import Image

from .labels import cam_to_ir_label, ins_seg_label, sem_seg_label

MEAN = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1)
STD = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1)
CAM_EVAL_THRES = 0.15   # run_sample.py --cam_eval_thres (step/eval_cam.py)
SEM_SEG_BG_THRES = 0.25  # --sem_seg_bg_thres
INS_SEG_BG_THRES = 0.25  # --ins_seg_bg_thres
CAM_SWEEP_THRES = np.round(np.arange(0.05, 1.0, 0.05), 2)  # the CAM-only baseline's sweep
TUNING_FILE = 'tuning.json'  # make_cam's output: the threshold tuned on a separate draw


def normalize(x: torch.Tensor) -> torch.Tensor:
    """ImageNet normalisation of a ``3 x H x W`` 0..255 RGB image (official
    ``imutils.Normalize``)."""
    return (x.float() - MEAN.to(x.device)) / STD.to(x.device)


def read_rgb(path: str) -> np.ndarray:
    with Image.open(path) as im:
        return np.array(im.convert('RGB'))  # writable (pydensecrf refuses read-only buffers)


def _img_tensor(img: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)


def _cam(cam_dir: str, name: str, size) -> dict:
    from cvshared.wsss.cam import load_cam
    return load_cam(osp.join(cam_dir, name + '.npy'), size, stride=4, stage='make_cam')


@torch.no_grad()
def make_cam(cam_net, items, cam_dir: str, scales=(1.0, 0.5, 1.5, 2.0)) -> None:
    """``items``: dicts with ``img_path``, ``img_name``, ``img_labels`` (VOCWSSSDataset)."""
    from cvshared.wsss.cam import multiscale_cam, save_cam
    cam_net.eval()
    os.makedirs(cam_dir, exist_ok=True)
    for it in items:
        img = _img_tensor(read_rgb(it['img_path']))
        out = multiscale_cam(cam_net.cam, img, scales=scales, flip=True, variant='irn',
                             label=torch.as_tensor(it['img_labels']), normalize=normalize)
        save_cam(osp.join(cam_dir, it['img_name'] + '.npy'), out, format='irn')


def make_ir_labels(items, cam_dir: str, label_dir: str, conf_fg_thres: float = 0.30,
                   conf_bg_thres: float = 0.05) -> None:
    """IR label of every item -> ``<label_dir>/<name>.png`` (``step/cam_to_ir_label.py``)."""
    os.makedirs(label_dir, exist_ok=True)
    for it in items:
        img = read_rgb(it['img_path'])
        cam = _cam(cam_dir, it['img_name'], img.shape[:2])
        conf = cam_to_ir_label(img, cam['high_res'], cam['keys'], conf_fg_thres, conf_bg_thres)
        Image.fromarray(conf).save(osp.join(label_dir, it['img_name'] + '.png'))


def load_ir_label(label_dir: str, name: str, size=None) -> np.ndarray:
    """``<label_dir>/<name>.png`` as ``uint8 H x W``; a missing file names the stage to run, a
    label of another size than the image (``size``) is an error."""
    path = osp.join(label_dir, name + '.png')
    if not osp.isfile(path):
        raise FileNotFoundError(f'IR label {path!r} not found: run the cam_to_ir_label stage '
                                f'first')
    with Image.open(path) as im:
        label = np.array(im)
    if size is not None and label.shape != tuple(size):
        raise ValueError(f'IR label {path} is {label.shape[0]}x{label.shape[1]} but its image '
                         f'is {size[0]}x{size[1]} (rerun cam_to_ir_label)')
    return label


def cam_only_label(cam: dict, thres: float = CAM_EVAL_THRES) -> np.ndarray:
    """``step/eval_cam.py``: argmax of ``high_res`` behind a constant background ``thres``."""
    hr = np.asarray(cam['high_res'], np.float32)
    padded = np.concatenate([np.full((1,) + hr.shape[1:], thres, np.float32), hr])
    keys = np.concatenate([[0], np.asarray(cam['keys'], np.int64) + 1])
    return keys[np.argmax(padded, 0)]


def boundary_and_displacement(irn_net, img: np.ndarray, crop_size: int):
    """``(boundary (1, h, w), displacement (2, h, w))`` of an RGB image
    (:func:`irn.models.edge_displacement`, the official ``EdgeDisplacement``)."""
    from .models.irnet import edge_displacement
    return edge_displacement(irn_net, normalize(_img_tensor(img)), crop_size=crop_size)


@torch.no_grad()
def make_sem_seg_labels(irn_net, items, cam_dir: str, out_dir: str | None = None,
                        crop_size: int = 512, bg_thres: float = SEM_SEG_BG_THRES,
                        cam_eval_thres: float = CAM_EVAL_THRES, **rw_kwargs) -> dict:
    """Semantic pseudo labels of every item; returns ``dict(mIoU=RW, cam_mIoU=CAM-only)``
    (fractions, 0..1) when the items have ``seg_map_path``, with ``cam_mIoU_best``: the
    CAM-only labels at their best background threshold (``cam_best_thres``, swept over
    ``CAM_SWEEP_THRES`` on the same images: the fair baseline; ``cam_mIoU`` is at
    ``cam_eval_thres``, the official 0.15).  ``rw_kwargs``: ``radius``,
    ``beta``, ``exp_times``, ``method`` of :func:`irn.labels.sem_seg_label`."""
    from cvshared.datasets.voc import read_voc_mask
    from cvshared.metrics.segmentation import evaluate_label_maps

    from .export import save_sem_label
    irn_net.eval()
    preds, cam_preds, gts, cams = [], [], [], []
    for it in items:
        img = read_rgb(it['img_path'])
        cam = _cam(cam_dir, it['img_name'], img.shape[:2])
        edge, _ = boundary_and_displacement(irn_net, img, crop_size)
        label, _ = sem_seg_label(cam['cam'], cam['keys'], edge, img.shape[:2],
                                 bg_thres=bg_thres, **rw_kwargs)
        if out_dir is not None:
            save_sem_label(osp.join(out_dir, it['img_name'] + '.png'), label)
        if it.get('seg_map_path'):
            preds.append(label)
            cams.append(cam)
            cam_preds.append(cam_only_label(cam, cam_eval_thres))
            gts.append(read_voc_mask(it['seg_map_path']))
    if not gts:
        return {}
    rw = evaluate_label_maps(preds, gts, 21)
    cm = evaluate_label_maps(cam_preds, gts, 21)
    # the fair CAM-only baseline: its background threshold swept on the same images
    sweep = {float(t): evaluate_label_maps([cam_only_label(c, t) for c in cams], gts, 21)['mIoU']
             for t in CAM_SWEEP_THRES}
    best = max(sweep, key=sweep.get)
    return dict(mIoU=rw['mIoU'], cam_mIoU=cm['mIoU'], cam_mIoU_best=sweep[best],
                cam_best_thres=best)


def save_detections(path: str, det: dict) -> None:
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    np.savez_compressed(path, score=det['score'], mask=det['mask'], **{'class': det['class']})


def load_detections(path: str) -> dict:
    if not osp.isfile(path):
        raise FileNotFoundError(f'instance pseudo label {path!r} not found: run the '
                                f'make_ins_seg_labels stage first')
    with np.load(path) as f:
        return {k: f[k] for k in ('score', 'mask', 'class')}


@torch.no_grad()
def make_ins_seg_labels(irn_net, items, cam_dir: str, out_dir: str | None = None,
                        json_path: str | None = None, crop_size: int = 512,
                        bg_thres: float = INS_SEG_BG_THRES, **kwargs) -> dict:
    """Instance pseudo labels of every item (``<out_dir>/<name>.npz``: ``score``, ``mask``,
    ``class`` 0-based) and, with ``json_path``, the COCO json for Mask R-CNN; returns
    ``{'mAP@0.5', 'mAP@0.7'}`` (fractions) when the items have ``inst_map_path`` and
    ``seg_map_path`` (VOC 2012 ``SegmentationObject`` / ``SegmentationClass``)."""
    from cvshared.datasets.voc import voc_instances
    from cvshared.metrics.instance_ap import eval_instance_segmentation_voc

    from .export import save_instances_json
    irn_net.eval()
    records, preds, gts = [], [], []
    for it in items:
        img = read_rgb(it['img_path'])
        h, w = img.shape[:2]
        cam = _cam(cam_dir, it['img_name'], (h, w))
        edge, disp = boundary_and_displacement(irn_net, img, crop_size)
        det = ins_seg_label(cam['cam'], cam['keys'], edge, disp, (h, w), bg_thres=bg_thres,
                            **kwargs)
        if out_dir is not None:
            save_detections(osp.join(out_dir, it['img_name'] + '.npz'), det)
        records.append((osp.basename(it['img_path']), h, w, det))
        if it.get('inst_map_path') and it.get('seg_map_path'):
            preds.append(det)
            gts.append(voc_instances(it['seg_map_path'], it['inst_map_path']))
    if json_path is not None:
        save_instances_json(json_path, records)
    if not gts:
        return {}
    out = {}
    for t in (0.5, 0.7):
        r = eval_instance_segmentation_voc([d['mask'] for d in preds],
                                           [d['class'] for d in preds],
                                           [d['score'] for d in preds],
                                           [g[0] for g in gts], [g[1] for g in gts],
                                           iou_thresh=t, num_classes=20)
        out[f'mAP@{t:g}'] = r['map']
    return out


# -- the 'call' stages of ``irn.paper.SPEC.pipeline`` (``cvshared.engine.stages``) -------------
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


def _label_items(cfg) -> list:
    """The config's training list (the images whose pseudo labels the final models train on,
    VOC 2012 train_aug), each image of its test list (VOC 2012 train, the paper's evaluation
    of the pseudo labels) carrying that list's ``seg_map_path`` (``SegmentationClass``) and
    its ``inst_map_path`` (``SegmentationObject``) when the file exists; the others carry no
    ground truth and are labelled only."""
    evals = {it['img_name']: it for it in _items(cfg.test_dataloader.dataset)}
    items = []
    for it in _items(cfg.train_dataloader.dataset):
        it = dict(it, seg_map_path=None)
        ev = evals.get(it['img_name'])
        if ev is not None and ev.get('seg_map_path'):
            it['seg_map_path'] = ev['seg_map_path']
            root = osp.dirname(osp.dirname(ev['seg_map_path']))
            inst = osp.join(root, 'SegmentationObject', it['img_name'] + '.png')
            if osp.isfile(inst):
                it['inst_map_path'] = inst
        items.append(it)
    return items


def _trained_model(cfg, checkpoint: str):
    """``cfg.model`` built (no pretrained init: the stage's checkpoint replaces it) with the
    checkpoint loaded strictly and safely."""
    from cvshared.engine.weights import load_weights

    from .registry import MODELS
    model = MODELS.build(cfg.model)
    load_weights(model, checkpoint, strict=True, paper='irn')
    return model.eval()


def cam_mIoU_sweep(items, cam_dir: str) -> dict:
    """``{t: mIoU}`` (fractions) of the CAM-only labels of ``items`` (with ``seg_map_path``)
    at each background threshold of ``CAM_SWEEP_THRES``."""
    from cvshared.datasets.voc import read_voc_mask
    from cvshared.metrics.segmentation import evaluate_label_maps
    gts = [read_voc_mask(it['seg_map_path']) for it in items]
    cams = [_cam(cam_dir, it['img_name'], g.shape) for it, g in zip(items, gts)]
    return {float(t): evaluate_label_maps([cam_only_label(c, t) for c in cams], gts,
                                          21)['mIoU'] for t in CAM_SWEEP_THRES}


def tune_cam_threshold(cam_net, work_dir: str, seed: int, num_images: int = 32,
                       make_synthetic=None) -> dict:
    """The background threshold of the CAM-only labels chosen on a SEPARATE draw of the
    synthetic generator (``make_synthetic(root, num_train=num_images, num_val=0, seed=seed)``,
    default :func:`irn.datasets.make_chain_synthetic`; a seed other than the evaluated set's),
    never on the evaluated images: ``cam_net``'s CAMs of that draw (``make_cam``), the
    CAM-only mIoU swept over ``CAM_SWEEP_THRES``, its arg-max ``thres``. Writes the draw to
    ``<work_dir>/tuning/voc``, its CAMs to ``<work_dir>/tuning/cam`` and
    ``<work_dir>/tuning.json`` (``thres``, ``mIoU`` at it, ``seed``, ``num_images``,
    ``sweep``); returns that dict.  The synthetic IRNet config's ``'tuned'`` thresholds read
    it (:func:`tuned_thresholds`)."""
    import json

    from cvshared.datasets.voc import VOCWSSSDataset
    if make_synthetic is None:
        from .datasets.synthetic import make_chain_synthetic as make_synthetic
    root = osp.join(work_dir, 'tuning', 'voc')
    if not osp.isdir(osp.join(root, 'JPEGImages')):
        make_synthetic(root, num_train=num_images, num_val=0, seed=seed)
    ds = VOCWSSSDataset(data_root=root, ann_file='ImageSets/Segmentation/train.txt',
                        data_prefix=dict(seg_map_path='SegmentationClass'), pipeline=[],
                        serialize_data=False)
    items = [ds.get_data_info(i) for i in range(len(ds))]
    cam_dir = osp.join(work_dir, 'tuning', 'cam')
    make_cam(cam_net, items, cam_dir)
    sweep = cam_mIoU_sweep(items, cam_dir)
    best = max(sweep, key=sweep.get)
    out = dict(thres=best, mIoU=sweep[best], seed=seed, num_images=num_images,
               sweep={f'{t:.2f}': v for t, v in sweep.items()})
    with open(osp.join(work_dir, TUNING_FILE), 'w') as f:
        json.dump(out, f, indent=1)
    return out


def tuned_thresholds(cfg, inputs: dict) -> dict:
    """The label stages' thresholds: ``ir`` = (fg, bg) of the IR labels, ``sem`` / ``ins`` the
    walk's background thresholds, from the config's ``ir_label_thres`` (default the official
    0.30 / 0.05), ``sem_seg_bg_thres`` and ``ins_seg_bg_thres`` (default 0.25). The value
    ``'tuned'`` (the synthetic config) takes the rule fg = t, bg = t / 3, walk / instance
    bg = t with t the threshold of make_cam's ``tuning.json`` (:func:`tune_cam_threshold`,
    tuned on a separate draw of the generator, never on the evaluated images); a missing
    file says how to make it."""
    import json
    values = dict(ir=cfg.get('ir_label_thres', (0.30, 0.05)),
                  sem=cfg.get('sem_seg_bg_thres', SEM_SEG_BG_THRES),
                  ins=cfg.get('ins_seg_bg_thres', INS_SEG_BG_THRES))
    if 'tuned' in [v for v in values.values() if isinstance(v, str)]:
        path = osp.join(inputs['make_cam'], TUNING_FILE)
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{path} not found: the config asks for thresholds tuned on a separate draw '
                "('tuned'), which the make_cam stage writes when its CAM config sets "
                'threshold_tuning = dict(seed=..., num_images=...); rerun make_cam with that '
                'CAM config (or give numbers)')
        with open(path) as f:
            t = float(json.load(f)['thres'])
        for k, v in values.items():
            if isinstance(v, str):
                if v != 'tuned':
                    raise ValueError(f"threshold {v!r}: a number (pair) or 'tuned'")
                values[k] = (t, t / 3) if k == 'ir' else t
    return values


def make_cam_stage(cfg, work_dir: str, inputs: dict) -> None:
    """Stage make_cam (config: the CAM net's): multi-scale + flip CAMs of the train_cam
    checkpoint for every image of the CAM config's training list (train_aug; VOC 2012 train
    is a subset of it), or of its ``make_cam_list`` (the synthetic config: ``train.txt``, its
    training list ``train_cam.txt`` adds background-only images) -> ``<work_dir>/<name>.npy``;
    with the config's
    ``threshold_tuning = dict(seed=..., num_images=...)`` (the synthetic config) also
    :func:`tune_cam_threshold` -> ``<work_dir>/tuning.json``."""
    model = _trained_model(cfg, inputs['train_cam_checkpoint'])
    dataset = dict(cfg.train_dataloader.dataset)
    if cfg.get('make_cam_list'):
        dataset['ann_file'] = cfg.make_cam_list
    make_cam(model, _items(dataset), work_dir)
    if cfg.get('threshold_tuning'):
        tune_cam_threshold(model, work_dir, **cfg.threshold_tuning)


def cam_to_ir_label_stage(cfg, work_dir: str, inputs: dict) -> None:
    """Stage cam_to_ir_label (config: IRNet's, whose training list it labels): IR labels of
    the make_cam CAMs -> ``<work_dir>/<name>.png``; the config's ``ir_label_thres = (fg, bg)``
    (default the official 0.30 / 0.05, or ``'tuned'``: :func:`tuned_thresholds`;
    ``sem_seg_bg_thres`` / ``ins_seg_bg_thres``, default 0.25, are the label stages'
    background thresholds)."""
    fg, bg = tuned_thresholds(cfg, inputs)['ir']
    make_ir_labels(_items(cfg.train_dataloader.dataset), inputs['make_cam'], work_dir,
                   conf_fg_thres=fg, conf_bg_thres=bg)


def make_sem_seg_labels_stage(cfg, work_dir: str, inputs: dict) -> dict:
    """Stage make_sem_seg_labels (config: IRNet's): the random walk of the make_cam CAMs on the
    train_irn boundary map for IRNet's training list -> ``<work_dir>/<name>.png`` (DeepLab's
    training masks); returns the pseudo labels' ``mIoU`` and the CAM-only labels' ``cam_mIoU``
    (bg 0.15) and ``cam_mIoU_best`` (at the swept ``cam_best_thres``) on the test list's images
    (VOC 2012 train), in percent."""
    model = _trained_model(cfg, inputs['train_irn_checkpoint'])
    out = make_sem_seg_labels(model, _label_items(cfg), inputs['make_cam'], out_dir=work_dir,
                              crop_size=cfg.model.get('crop_size', 512),
                              bg_thres=tuned_thresholds(cfg, inputs)['sem'])
    return {k: v if k == 'cam_best_thres' else 100.0 * v for k, v in out.items()}


def make_ins_seg_labels_stage(cfg, work_dir: str, inputs: dict) -> dict:
    """Stage make_ins_seg_labels (config: IRNet's): instance pseudo labels of IRNet's training
    list -> ``<work_dir>/<name>.npz`` and ``<work_dir>/instances_train.json`` (Mask R-CNN's
    training set); returns the chainercv VOC instance ``mAP@0.5`` / ``mAP@0.7`` (percent) on
    the test list's images that have ``SegmentationObject`` (VOC 2012 train)."""
    model = _trained_model(cfg, inputs['train_irn_checkpoint'])
    out = make_ins_seg_labels(model, _label_items(cfg), inputs['make_cam'], out_dir=work_dir,
                              json_path=osp.join(work_dir, 'instances_train.json'),
                              crop_size=cfg.model.get('crop_size', 512),
                              bg_thres=tuned_thresholds(cfg, inputs)['ins'])
    return {k: 100.0 * v for k, v in out.items()}
