"""I2CRC's pipeline steps as plain functions on a VOC-layout root (what the stages of
``i2crc.paper.SPEC`` and the learning test call):

``image_cam``      the raw CAM of one image at the single scale of the official ``test.py``
                   (the image resized to ``input_size`` x ``input_size``, PIL bilinear, 256);
``make_labels``    for every image: :func:`i2crc.labels.cam_maps` (saved as
                   ``<cam_dir>/<name>_<c>.png``, the official ``runs/exp1/attention`` files)
                   and the initial pseudo label :func:`i2crc.labels.gen_gt` with its saliency
                   map (``<out_dir>/<name>.png``, VOC palette: what the DeepLab trains on);
                   with ground truth, the pseudo labels' mIoU (ignored pixels count as misses)
                   and the plain-CAM labels' at their best constant background threshold;
``refine_labels``  the first DeepLab's prediction of every training image refined by
                   :func:`i2crc.labels.label_refinement` (``<out_dir>/<name>.png``).
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
import torch
from PIL import Image

from .labels import IGNORE, best_threshold_labels, cam_maps, gen_gt, label_refinement

MEAN = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1)
STD = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1)
CAM_THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))  # 0.05 .. 0.95
# deeplab-pytorch's VOC image mean (BGR) and the official CRF (configs/voc12.yaml: 10 iterations,
# pos_w 3, pos_xy 1, bi_w 4, bi_xy 67, bi_rgb 3)
MEAN_BGR = np.array([104.008, 116.669, 122.675], np.float32)
CRF_GAUSSIAN = dict(sxy=1, compat=3)
CRF_BILATERAL = dict(sxy=67, srgb=3, compat=4)


def official_crf_image(img: np.ndarray) -> np.ndarray:
    """The image the official CRF step (``trainaug_pred.py crf``) gives the bilateral term:
    the dataset's mean-subtracted BGR float image cast to uint8 (negative values wrap, as
    numpy casts them), returned in RGB order for :func:`crf_label` (which reverses it back)."""
    bgr = np.asarray(img, np.float32)[..., ::-1] - MEAN_BGR
    return np.ascontiguousarray(bgr.astype(np.uint8)[..., ::-1])


def crf_label(img: np.ndarray, logits: torch.Tensor, image_mode: str = 'official') -> np.ndarray:
    """Dense CRF of DeepLab logits (``C x h x w``): bilinear to the image, softmax, the official
    kernels, 10 iterations, argmax. ``image_mode='official'`` feeds the bilateral term the
    official's wrapped mean-subtracted image (:func:`official_crf_image`; README, Differences),
    ``'rgb'`` the image itself (BGR order, as the official's channel order)."""
    from cvshared.wsss.crf import crf_from_logits
    if image_mode not in ('official', 'rgb'):
        raise ValueError(f"crf image_mode must be 'official' or 'rgb', not {image_mode!r}")
    crf_img = official_crf_image(img) if image_mode == 'official' else img
    probs = crf_from_logits(crf_img, logits, t=10, gaussian=CRF_GAUSSIAN,
                            bilateral=CRF_BILATERAL, bgr=True)
    return probs.argmax(0).astype(np.uint8)


def read_rgb(path: str) -> np.ndarray:
    with Image.open(path) as im:
        return np.array(im.convert('RGB'))


def normalize(img: np.ndarray) -> torch.Tensor:
    """``H x W x 3`` uint8 RGB -> ``3 x H x W`` ImageNet-normalised float."""
    x = torch.from_numpy(np.array(img, np.float32)).permute(2, 0, 1)
    return (x - MEAN) / STD


@torch.no_grad()
def image_cam(model, img: np.ndarray, input_size: int = 256) -> np.ndarray:
    """Raw CAM logits ``C x s/8 x s/8`` of an RGB image resized to ``input_size`` square."""
    resized = np.asarray(Image.fromarray(img).resize((input_size, input_size),
                                                     Image.BILINEAR))
    return model.cam(normalize(resized)[None])[0].cpu().numpy()


def _save_png(path: str, arr: np.ndarray) -> None:
    Image.fromarray(np.asarray(arr, np.uint8)).save(path)


def make_labels(model, items, out_dir: str | None = None, cam_dir: str | None = None,
                input_size: int = 256, thresholds=CAM_THRESHOLDS) -> dict:
    """Pseudo labels of ``items`` (dicts with ``img_path``, ``img_name``, ``img_labels``,
    ``sal_path``, optionally ``seg_map_path``). Returns, when some items have ground truth,
    ``dict(mIoU=, cam_mIoU=, cam_thr=, ignored=)`` (fractions): the pseudo labels' mIoU, the
    plain-CAM labels' mIoU at the best of ``thresholds`` and that threshold, the fraction of
    ignored (255) pseudo-label pixels."""
    from cvshared.datasets.voc import read_voc_mask
    from cvshared.metrics.segmentation import evaluate_label_maps
    from cvshared.wsss.export import save_label_png

    from .datasets.saliency import read_saliency
    model.eval()
    for d in (out_dir, cam_dir):
        if d:
            os.makedirs(d, exist_ok=True)
    preds, all_maps, gts, ignored, total = [], [], [], 0, 0
    for it in items:
        img = read_rgb(it['img_path'])
        sal = read_saliency(it['sal_path'])
        if sal.shape != img.shape[:2]:
            raise ValueError(f'saliency map {it["sal_path"]} is {sal.shape[1]}x{sal.shape[0]} '
                             f'but the image {it["img_path"]} is {img.shape[1]}x{img.shape[0]}')
        maps = cam_maps(image_cam(model, img, input_size), it['img_labels'], img.shape[:2])
        if cam_dir:
            for c, m in maps.items():
                _save_png(osp.join(cam_dir, f'{it["img_name"]}_{c}.png'), m)
        label = gen_gt(sal, maps)
        if out_dir:
            save_label_png(osp.join(out_dir, it['img_name'] + '.png'), label)
        ignored += int((label == IGNORE).sum())
        total += label.size
        if it.get('seg_map_path'):
            preds.append(label)
            all_maps.append(maps)
            gts.append(read_voc_mask(it['seg_map_path']))
    if not gts:
        return {}
    cam_miou, thr = best_threshold_labels(all_maps, gts, thresholds)
    return dict(mIoU=evaluate_label_maps(preds, gts, 21)['mIoU'], cam_mIoU=cam_miou,
                cam_thr=thr, ignored=ignored / max(total, 1))


def refine_labels(predict_fn, items, init_dir: str, out_dir: str) -> dict:
    """``predict_fn(img_path) -> H x W`` VOC ids (the first DeepLab, MSC max, CRF optional);
    each training image's refined label -> ``<out_dir>/<name>.png``. Returns the refined and
    initial labels' mIoU (fractions) when the items have ground truth."""
    from cvshared.datasets.voc import read_voc_mask
    from cvshared.metrics.segmentation import evaluate_label_maps
    from cvshared.wsss.export import read_label_png, save_label_png
    os.makedirs(out_dir, exist_ok=True)
    refined, inits, gts = [], [], []
    for it in items:
        init_path = osp.join(init_dir, it['img_name'] + '.png')
        if not osp.isfile(init_path):
            raise FileNotFoundError(f'initial pseudo label {init_path!r} not found: run the '
                                    'make_labels stage first (python tools/stage.py i2crc '
                                    'make_labels)')
        init = read_label_png(init_path)
        label = label_refinement(predict_fn(it['img_path']), init, it['img_labels'])
        save_label_png(osp.join(out_dir, it['img_name'] + '.png'), label)
        if it.get('seg_map_path'):
            refined.append(label)
            inits.append(init)
            gts.append(read_voc_mask(it['seg_map_path']))
    if not gts:
        return {}
    return dict(mIoU=evaluate_label_maps(refined, gts, 21)['mIoU'],
                init_mIoU=evaluate_label_maps(inits, gts, 21)['mIoU'])


# -- the 'call' stages of ``i2crc.paper.SPEC.pipeline`` (``cvshared.engine.stages``) ----------
# ``fn(cfg, work_dir, inputs)``: the stage's config (bound to the earlier stages' outputs), its
# output folder, the earlier outputs (``inputs['<stage>']``, ``inputs['<stage>_checkpoint']``).

def _items(dataset_cfg, with_masks: bool = True) -> list:
    """Data infos of a config's ``I2crcSaliencyDataset`` (no pipeline), with
    ``SegmentationClassAug`` masks as ground truth when ``with_masks``."""
    from .datasets.saliency import I2crcSaliencyDataset
    prefix = dict(dataset_cfg.get('data_prefix') or {})
    if with_masks:
        prefix['seg_map_path'] = 'SegmentationClassAug'
    ds = I2crcSaliencyDataset(data_root=dataset_cfg['data_root'],
                              ann_file=dataset_cfg['ann_file'],
                              saliency_dir=dataset_cfg.get('saliency_dir', 'saliency_aug'),
                              data_prefix=prefix, pipeline=[], serialize_data=False)
    return [ds.get_data_info(i) for i in range(len(ds))]


def _trained(cfg, checkpoint: str):
    from cvshared.engine.weights import load_weights

    from .registry import MODELS
    model = MODELS.build(cfg.model)
    load_weights(model, checkpoint, strict=True, paper='i2crc')
    return model.eval()


def make_labels_stage(cfg, work_dir: str, inputs: dict) -> dict:
    """Stage make_labels (config: the classifier's): CAM maps (``<work_dir>/cams``) and
    ``gen_gt`` pseudo labels (``<work_dir>/<name>.png``) of the classifier's
    ``label_list`` (default its training list); returns percent ``mIoU`` (pseudo labels,
    ignore = miss), ``cam_mIoU`` (plain CAM at the best threshold), ``cam_thr``, ``ignored``
    (% of pixels)."""
    model = _trained(cfg, inputs['train_cam_checkpoint'])
    dataset = dict(cfg.train_dataloader.dataset)
    if cfg.get('label_list'):
        dataset['ann_file'] = cfg.label_list
    out = make_labels(model, _items(dataset), out_dir=work_dir,
                      cam_dir=osp.join(work_dir, 'cams'),
                      input_size=int(cfg.get('cam_input_size', 256)))
    return {k: v if k == 'cam_thr' else 100.0 * v for k, v in out.items()}


def refine_labels_stage(cfg, work_dir: str, inputs: dict) -> dict:
    """Stage refine_labels (config: the first DeepLab's): its checkpoint predicts every image
    of its training list (MSC max logits, then the official dense CRF unless the config sets
    ``refine_crf=None``; ``refine_crf='official'`` / ``'rgb'``: :func:`crf_label`), refined
    with the make_labels labels -> ``<work_dir>/<name>.png``; returns percent ``mIoU`` and
    ``init_mIoU``."""
    from cvshared.engine.weights import load_weights
    from mmengine.registry import DefaultScope

    from .registry import MODELS
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmseg')):
        model = MODELS.build(cfg.model)
    load_weights(model, inputs['train_deeplab_checkpoint'], strict=True, paper='i2crc')
    model.eval()
    pre = cfg.model.data_preprocessor
    mean = torch.tensor(pre['mean'], dtype=torch.float32).view(3, 1, 1)
    std = torch.tensor(pre['std'], dtype=torch.float32).view(3, 1, 1)
    dataset = dict(cfg.train_dataloader.dataset)
    crf_mode = cfg.get('refine_crf', 'official')

    @torch.no_grad()
    def predict(path):
        img = read_rgb(path)  # RGB, as the preprocessor's bgr_to_rgb makes it
        x = (torch.from_numpy(np.array(img, np.float32)).permute(2, 0, 1) - mean) / std
        logits = model.msc_logits(x[None])[-1][0]
        if crf_mode:
            return crf_label(img, logits, crf_mode)
        up = torch.nn.functional.interpolate(logits[None], size=img.shape[:2],
                                             mode='bilinear', align_corners=False)
        return up[0].argmax(0).numpy()

    out = refine_labels(predict, _items(dataset), inputs['make_labels'], work_dir)
    return {k: 100.0 * v for k, v in out.items()}
