"""The paper's chain as plain functions and as the stages of ``webvideo_wsss.paper.SPEC``:

``train_encoder``   (train)  the CAM encoder on the VOC image labels (Sec. 3.1);
``segment_videos``  (call)   :func:`segment_videos_stage`: every video of the crawled set ->
                             frame rejection, localisation, graph cut (Sec. 3.2) -> the
                             decoder's training frames and masks (``frames.txt``); with true
                             masks (the synthetic set) the video masks' mIoU and the
                             thresholded-CAM masks' mIoU on the same frames;
``train_decoder``   (train)  the class-agnostic decoder on the video masks (Sec. 3.3);
``test_decoder``    (test)   VOC val mIoU of the encoder-decoder (Sec. 3.4; ``PseudoLabelIoUMetric``
                             on ``pred``).

The functions (:func:`segment_videos`, :func:`evaluate_segmentor`) are what the stages and the
learning test call.
"""
from __future__ import annotations

import json
import os
import os.path as osp

import numpy as np
import torch

from .video import binary_iou, cam_masks, process_video, save_video_annotations

FRAMES_LIST = 'frames.txt'


def segment_videos(encoder, video_root: str, out_dir: str | None, frame_thres: float = 0.5,
                   graph_cfg: dict | None = None, cam_thres: float = 0.5, frame_step: int = 1,
                   max_frames: int | None = None, class_names=None,
                   cam_sweep=(0.2, 0.3, 0.4, 0.5, 0.6, 0.7), pictures: int = 0) -> dict:
    """Runs the video stage on every video of ``<video_root>/videos.txt``; writes the retained
    frames, their masks and ``frames.txt`` under ``out_dir`` (None: nothing written).

    Returns ``frames`` (all), ``kept``, and, where the set has true masks, ``video_mIoU`` (graph
    cut masks) and ``cam_mIoU`` (``alpha >= cam_thres``) over the retained frames (two-class
    fg / bg mIoU, fractions) and ``reject_precision`` / ``reject_recall``: of the frames
    without their object, the share the rejection dropped (recall) and of the dropped frames
    the share without object (precision); ``cam_best_mIoU`` / ``cam_best_thres``: the CAM masks
    at their best threshold of ``cam_sweep`` on the same frames (the fair baseline).
    ``pictures``: for that many videos, the retained frames drawn by
    :func:`webvideo_wsss.hooks.draw_video_frame` to ``<out_dir>/pictures/<class>_<id>.png``."""
    from cvshared.datasets.voc import VOC_FG_CLASSES

    from .datasets.videos import read_true_mask, read_video_list
    items = read_video_list(video_root, tuple(class_names or VOC_FG_CLASSES))
    lines, preds, cams, gts = [], [], [], []
    n_frames = n_kept = 0
    empty_total = empty_dropped = dropped = 0
    for n_video, it in enumerate(items):
        res = process_video(encoder, it['path'], it['cls'], frame_thres, graph_cfg,
                            frame_step, max_frames)
        if out_dir is not None and n_video < pictures and len(res['kept']):
            _draw_video(out_dir, it, res, cam_thres, frame_step)
        n_frames += len(res['frames'])
        n_kept += len(res['kept'])
        if out_dir is not None:
            lines += save_video_annotations(out_dir, it['rel'], it['cls'], res)
        if it['mask_dir'] is None:
            continue
        kept = set(int(t) for t in res['kept'])
        for t in range(len(res['frames'])):
            g = read_true_mask(it['mask_dir'], t * frame_step)
            if g is None:
                continue
            empty = not (g == 1).any()
            empty_total += empty
            if t not in kept:
                dropped += 1
                empty_dropped += empty
        for t, m, a in zip(res['kept'], res['masks'], res['alpha']):
            g = read_true_mask(it['mask_dir'], int(t) * frame_step)
            if g is not None:
                preds.append(m)
                cams.append(a)
                gts.append(g)
    if out_dir is not None:
        os.makedirs(out_dir, exist_ok=True)
        with open(osp.join(out_dir, FRAMES_LIST), 'w') as f:
            f.write(''.join(line + '\n' for line in lines))
        with open(osp.join(out_dir, 'video_root.txt'), 'w') as f:
            f.write(osp.abspath(video_root) + '\n')
        if not lines:
            raise RuntimeError(f'the video stage kept no frame of the {len(items)} videos of '
                               f'{video_root} (frame_thres={frame_thres}): the decoder has '
                               'nothing to train on; check the encoder or lower frame_thres')
    out = dict(frames=float(n_frames), kept=float(n_kept))
    if gts:
        sweep = {float(t): binary_iou([cam_masks(a, t) for a in cams], gts)
                 for t in cam_sweep}
        best = max(sweep, key=sweep.get)
        out.update(video_mIoU=binary_iou(preds, gts),
                   cam_mIoU=binary_iou([cam_masks(a, cam_thres) for a in cams], gts),
                   cam_best_mIoU=sweep[best], cam_best_thres=best,
                   reject_recall=empty_dropped / max(empty_total, 1),
                   reject_precision=empty_dropped / max(dropped, 1))
    return out


def _draw_video(out_dir: str, it: dict, res: dict, cam_thres: float, frame_step: int) -> str:
    from PIL import Image

    from .datasets.videos import read_true_mask
    from .hooks.visualization import draw_video_frame
    rows = []
    for t, m, a in zip(res['kept'], res['masks'], res['alpha']):
        g = read_true_mask(it['mask_dir'], int(t) * frame_step) if it['mask_dir'] else None
        rows.append(draw_video_frame(res['frames'][t], a, cam_masks(a, cam_thres), m, g))
    path = osp.join(out_dir, 'pictures', it['rel'].replace('/', '_') + '.png')
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(np.concatenate(rows, 0)).save(path)
    return path


def _trained(cfg_model, checkpoint: str | None):
    from cvshared.engine.weights import load_weights

    from .registry import MODELS
    model = MODELS.build(cfg_model)
    if checkpoint:
        load_weights(model, checkpoint, strict=True, paper='webvideo_wsss')
    return model.eval()


def segment_videos_stage(cfg, work_dir: str, inputs: dict) -> dict:
    """Stage segment_videos (config: the encoder's, with ``video_root`` and ``video_stage``
    = kwargs of :func:`segment_videos`): the video masks of the train_encoder checkpoint ->
    ``<work_dir>/frames.txt`` (+ frames/, masks/); returns the metrics of
    :func:`segment_videos` (mIoU in percent) and writes them to ``video_metrics.json``."""
    model = cfg.model.copy()
    model.pop('init_cfg', None)
    if 'backbone' in model:
        model['backbone'] = dict(model['backbone'], init_cfg=None)
    encoder = _trained(model, inputs['train_encoder_checkpoint'])
    out = segment_videos(encoder, cfg.video_root, work_dir, **dict(cfg.get('video_stage', {})))
    out = {k: 100.0 * v if k.endswith('mIoU') else v for k, v in out.items()}
    with open(osp.join(work_dir, 'video_metrics.json'), 'w') as f:
        json.dump(out, f, indent=1)
    return out


def voc_items(voc_root: str, ann_file: str, with_masks: bool = True) -> list:
    """``VOCWSSSDataset`` data infos (``img_path``, ``img_name``, ``img_labels``,
    ``seg_map_path``) of a list."""
    from cvshared.datasets.voc import VOCWSSSDataset
    prefix = dict(seg_map_path='SegmentationClass') if with_masks else dict(seg_map_path='')
    ds = VOCWSSSDataset(data_root=voc_root, ann_file=ann_file, data_prefix=prefix,
                        pipeline=[], serialize_data=False)
    return [ds.get_data_info(i) for i in range(len(ds))]


def read_rgb(path: str) -> np.ndarray:
    from PIL import Image
    with Image.open(path) as im:
        return np.array(im.convert('RGB'))


@torch.no_grad()
def evaluate_segmentor(segmentor, items, use_gt_labels: bool = True,
                       cam_sweep=(0.2, 0.3, 0.4, 0.5, 0.6, 0.7)) -> dict:
    """VOC mIoU (fractions) of the encoder-decoder (``mIoU``, E8) and of the plain-CAM labels
    of the same encoder on the same images and classes: ``cam_mIoU`` at the segmentor's
    ``cam_bg_thres``, ``cam_best_mIoU`` / ``cam_best_thres`` at the best background score of
    ``cam_sweep``."""
    from cvshared.datasets.voc import read_voc_mask
    from cvshared.metrics.segmentation import evaluate_label_maps
    from cvshared.wsss.cam import cam_label

    from .video import frames_to_tensor
    segmentor.eval()
    old = segmentor.use_gt_labels
    segmentor.use_gt_labels = use_gt_labels
    preds, cams, gts = [], [], []
    try:
        for it in items:
            img = read_rgb(it['img_path'])
            res = segmentor.predict(frames_to_tensor(img[None]),
                                    [dict(img_labels=it['img_labels'],
                                          img_path=it['img_path'])])[0]
            preds.append(res['pred'].numpy())
            cams.append((res['cams'], res['keys']))
            gts.append(read_voc_mask(it['seg_map_path']))
    finally:
        segmentor.use_gt_labels = old

    def cam_miou(t):
        return evaluate_label_maps([cam_label(k, c, t).numpy() for c, k in cams], gts,
                                   21)['mIoU']
    sweep = {float(t): cam_miou(t) for t in cam_sweep}
    best = max(sweep, key=sweep.get)
    return dict(mIoU=evaluate_label_maps(preds, gts, 21)['mIoU'],
                cam_mIoU=cam_miou(segmentor.cam_bg_thres), cam_best_mIoU=sweep[best],
                cam_best_thres=best)
