"""IRN's pseudo-label steps as pure functions (``step/cam_to_ir_label.py``,
``voc12/dataloader.py::GetAffinityLabelFromIndices``, ``step/make_sem_seg_labels.py``,
``step/make_ins_seg_labels.py``).

* :func:`cam_to_ir_label`: confident fg / bg regions from the full-resolution CAMs.  The CAM
  stack is padded in front with a constant background (0.30 for "fg", 0.05 for "bg"), argmaxed,
  each refined by the label dense CRF (:func:`cvshared.wsss.crf.crf_inference_label`) and
  mapped to class ids through ``keys``; ``label = fg``, ``255`` where ``fg == 0``, ``0`` where
  ``fg == bg == 0``.
* :func:`pair_labels`: bg-pos / fg-pos / neg 0/1 labels of the :class:`PathIndex` pairs of a
  label map downscaled x0.25 (nearest, PIL, as officially); valid = label < ``num_labels``.
* :func:`find_centroids_with_refinement`: every pixel moves along the bilinear-sampled
  displacement field ``D`` for ``iterations`` steps (clipped to the grid), then rounds.
* :func:`cluster_centroids`: 4-connected components of ``||D|| < thres`` are instance seeds;
  each pixel takes the component its centroid lands in (0 = none), compressed to a one-hot.
* :func:`sem_seg_label`, :func:`ins_seg_label`: the random walk (shared
  :func:`cvshared.ops.affinity.propagate_to_edge`) and the decisions of the two steps.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from cvshared.ops.affinity import PathIndex, propagate_to_edge
from PIL import Image

__all__ = ['cam_to_ir_label', 'downscale_label', 'pair_labels',
           'find_centroids_with_refinement', 'cluster_centroids', 'instance_cams',
           'detect_instance', 'sem_seg_label', 'ins_seg_label']


def _np(x):
    return x.detach().cpu().numpy() if torch.is_tensor(x) else np.asarray(x)


def cam_to_ir_label(img, high_res, keys, conf_fg_thres: float = 0.30,
                    conf_bg_thres: float = 0.05, crf=None) -> np.ndarray:
    """``H x W`` uint8 IR label: class id (``keys + 1``), 0 = confident bg, 255 = unsure.

    Args:
        img: ``H x W x 3`` uint8 RGB image.
        high_res: ``K x H x W`` max-normalised CAMs of the image's classes; keys: ``(K,)``
            0-based class indices.
        crf: the CRF function (default :func:`cvshared.wsss.crf.crf_inference_label`).
    """
    if crf is None:
        from cvshared.wsss.crf import crf_inference_label as crf
    cams = _np(high_res).astype(np.float32)
    keys = _np(keys).astype(np.int64).reshape(-1)
    img = np.asarray(img)
    if cams.ndim != 3 or cams.shape[0] != keys.size:
        raise ValueError(f'cam_to_ir_label: high_res must be K x H x W with K = {keys.size} '
                         f'keys, got {cams.shape}')
    if cams.shape[1:] != img.shape[:2]:
        raise ValueError(f'cam_to_ir_label: CAM size {cams.shape[1]}x{cams.shape[2]} differs '
                         f'from the image size {img.shape[0]}x{img.shape[1]} (rerun make_cam)')
    lut = np.concatenate([[0], keys + 1])

    def confident(thres):
        padded = np.concatenate([np.full((1,) + cams.shape[1:], thres, np.float32), cams])
        return lut[crf(img, np.argmax(padded, 0), n_labels=lut.size)]

    fg, bg = confident(conf_fg_thres), confident(conf_bg_thres)
    conf = fg.copy()
    conf[fg == 0] = 255
    conf[bg + fg == 0] = 0
    return conf.astype(np.uint8)


def downscale_label(label, scale: float = 0.25) -> np.ndarray:
    """Nearest-neighbour PIL resize to ``round(H * scale) x round(W * scale)`` (official)."""
    label = np.asarray(label)
    size = (int(np.round(label.shape[0] * scale)), int(np.round(label.shape[1] * scale)))
    if size == label.shape[:2]:
        return label
    return np.asarray(Image.fromarray(label).resize(size[::-1], Image.NEAREST))


def pair_labels(label, path_index: PathIndex, num_labels: int = 21):
    """``(bg_pos, fg_pos, neg)`` float32 ``(D, N)`` tensors for a label map on
    ``path_index.size`` (already downscaled)."""
    flat = torch.as_tensor(np.asarray(label).astype(np.int64)).reshape(-1)
    if flat.numel() != path_index.size[0] * path_index.size[1]:
        raise ValueError(f'pair_labels: label map {np.asarray(label).shape} does not match the '
                         f'path index size {path_index.size}')
    src = flat[path_index.src_indices].unsqueeze(0)
    dst = flat[path_index.dst_indices]
    valid = (src < num_labels) & (dst < num_labels)
    equal = src == dst
    pos = equal & valid
    return ((pos & (src == 0)).float(), (pos & (src > 0)).float(), (~equal & valid).float())


def find_centroids_with_refinement(displacement, iterations: int = 300) -> np.ndarray:
    """``(2, h, w)`` int32 centroid ``(y, x)`` of every pixel after ``iterations`` moves along
    the bilinearly sampled displacement ``(2, h, w)`` (float32, clipped to the grid)."""
    disp = _np(displacement).astype(np.float32)
    if disp.ndim != 3 or disp.shape[0] != 2:
        raise ValueError(f'displacement must be (2, h, w), got {disp.shape}')
    h, w = disp.shape[1:]
    cy = np.repeat(np.arange(h, dtype=np.float32)[:, None], w, axis=1)
    cx = np.repeat(np.arange(w, dtype=np.float32)[None, :], h, axis=0)
    for _ in range(iterations):
        y0, y1 = np.floor(cy).astype(np.int32), np.ceil(cy).astype(np.int32)
        x0, x1 = np.floor(cx).astype(np.int32), np.ceil(cx).astype(np.int32)
        fy, fx = cy - y0, cx - x0
        # corner weights (a pixel on an integer coordinate has y0 == y1: weight 1 on it)
        w11, w01 = fy * fx, (1 - fy) * fx
        w10, w00 = fy * (1 - fx), (1 - fy) * (1 - fx)
        moves = [d[y1, x1] * w11 + d[y0, x1] * w01 + d[y1, x0] * w10 + d[y0, x0] * w00
                 for d in disp]
        cy = np.clip(cy + moves[0], 0, h - 1)
        cx = np.clip(cx + moves[1], 0, w - 1)
    return np.stack([np.round(cy).astype(np.int32), np.round(cx).astype(np.int32)])


def _compress_range(arr: np.ndarray) -> np.ndarray:
    uniq = np.unique(arr)
    lut = np.zeros(uniq.max() + 1, np.int64)
    lut[uniq] = np.arange(uniq.size)
    out = lut[arr]
    return out - out.min()


def _one_hot(labels: np.ndarray, n: int | None = None) -> np.ndarray:
    n = int(labels.max()) + 1 if n is None else n
    return (np.arange(n).reshape((-1,) + (1,) * labels.ndim) == labels[None])


def cluster_centroids(centroids, displacement, thres: float = 2.5) -> np.ndarray:
    """``(K, h, w)`` bool instance masks: the seed region (4-connected ``||D|| < thres``)
    reached by each pixel's centroid; channel 0 is "no seed reached" when some pixel reaches
    none (official ``compress_range`` numbering)."""
    from skimage.measure import label as cc_label
    disp = _np(displacement)
    strength = np.sqrt(disp[1] ** 2 + disp[0] ** 2)
    h, w = strength.shape
    seeds = cc_label(strength < thres, connectivity=1, background=0).reshape(-1)
    c = np.asarray(centroids)
    clusters = seeds[c[0] * w + c[1]].reshape(h, w)
    return _one_hot(_compress_range(clusters + 1))


def instance_cams(cams: torch.Tensor, masks) -> torch.Tensor:
    """``(K_cls, K_ins, h, w)`` = ``cams[c] * masks[k]`` (official ``separte_score_by_mask``)."""
    m = torch.as_tensor(np.asarray(masks), dtype=torch.float32, device=cams.device)
    return cams.unsqueeze(1) * m.unsqueeze(0)


def detect_instance(score_map, masks, class_ids, max_fragment_size: float = 0) -> dict:
    """Detections from per-(class, instance) masks: each 4-connected segment is one, scored by
    the maximum of its score map inside it, 0 when smaller than ``max_fragment_size`` pixels."""
    from skimage.measure import label as cc_label
    scores, labels, out_masks = [], [], []
    for score, mask, cls in zip(_np(score_map), np.asarray(masks), np.asarray(class_ids)):
        if mask.sum() < 1:
            continue
        segs = cc_label(mask, connectivity=1, background=0)
        for s in range(1, segs.max() + 1):
            seg = segs == s
            scores.append(0.0 if seg.sum() < max_fragment_size else float(np.max(score * seg)))
            labels.append(cls)
            out_masks.append(seg)
    if not scores:
        h, w = np.asarray(masks).shape[-2:]
        return dict(score=np.zeros(0, np.float32), mask=np.zeros((0, h, w), bool),
                    **{'class': np.zeros(0, np.int64)})
    return {'score': np.asarray(scores, np.float32), 'mask': np.stack(out_masks),
            'class': np.asarray(labels)}


def _propagate(cams, edge, size, radius, beta, exp_times, method):
    rw = propagate_to_edge(cams, edge, radius=radius, beta=beta, exp_times=exp_times,
                           method=method)
    up = F.interpolate(rw, scale_factor=4, mode='bilinear', align_corners=False)
    up = up[:, 0, :size[0], :size[1]]
    return up / torch.max(up)


def sem_seg_label(cams, keys, edge, size, bg_thres: float = 0.25, radius: int = 5,
                  beta: float = 10, exp_times: int = 8, method: str = 'sparse'):
    """``(H x W int64 label map (class id, 0 = bg), propagated scores (K, H, W))``.

    Args:
        cams: ``(K, h, w)`` stride-4 CAMs; keys: ``(K,)`` 0-based classes; edge: ``(1, h, w)``
            boundary; size: ``(H, W)`` of the image.
    """
    cams = torch.as_tensor(cams, dtype=torch.float32)
    if cams.shape[-2:] != edge.shape[-2:]:
        raise ValueError(f'sem_seg_label: CAM grid {tuple(cams.shape[-2:])} differs from the '
                         f'boundary grid {tuple(edge.shape[-2:])}')
    up = _propagate(cams, edge, size, radius, beta, exp_times, method)
    pred = torch.argmax(F.pad(up, (0, 0, 0, 0, 1, 0), value=bg_thres), 0).cpu().numpy()
    lut = np.concatenate([[0], _np(keys).astype(np.int64).reshape(-1) + 1])
    return lut[pred], up


def ins_seg_label(cams, keys, edge, disp, size, bg_thres: float = 0.25, radius: int = 5,
                  beta: float = 10, exp_times: int = 8, iterations: int = 300,
                  thres: float = 2.5, fragment: float = 0.01, method: str = 'sparse') -> dict:
    """IRN instance pseudo labels: detections ``dict(score, mask, class)`` (class 0-based,
    as the official ``keys``)."""
    cams = torch.as_tensor(cams, dtype=torch.float32)
    centroids = find_centroids_with_refinement(disp, iterations)
    masks = cluster_centroids(centroids, disp, thres)
    ins = instance_cams(cams, masks)  # (C, K, h, w)
    n_cls, n_ins = ins.shape[:2]
    up = _propagate(ins.reshape(n_cls * n_ins, *ins.shape[2:]), edge, size, radius, beta,
                    exp_times, method)
    shape = torch.argmax(F.pad(up, (0, 0, 0, 0, 1, 0), value=bg_thres), 0).cpu().numpy()
    shape = _one_hot(shape, n_cls * n_ins + 1)[1:]
    class_ids = np.repeat(_np(keys).astype(np.int64).reshape(-1), n_ins)
    return detect_instance(up.cpu().numpy(), shape, class_ids,
                           max_fragment_size=size[0] * size[1] * fragment)
