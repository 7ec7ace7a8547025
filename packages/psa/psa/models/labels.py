"""Affinity labels from CAMs (paper Sec. 3.2; official ``infer_cls.py::_crf_with_alpha`` and
``voc12/data.py::VOC12AffDataset`` / ``ExtractAffinityLabelInRadius``).

1. For an image with foreground CAMs ``M`` (``K x H x W``, max-normalised), two score stacks
   ``[(1 - max_k M_k)^alpha, M_1 .. M_K]`` with ``alpha = 4`` ("la": a small power keeps the
   background score high, so only confident foreground beats it) and ``alpha = 32`` ("ha": the
   background score is suppressed, so only confident background stays background), each refined
   by the dense CRF (:func:`crf_scores`).
2. Both stacks (after the joint crop) are average-pooled by 8 and turned into one stride-8 label
   map (:func:`label_from_scores`): ``argmax(la)`` (a class), 255 where ``argmax(la)`` is the
   background (unsure), 0 where ``argmax(ha)`` is the background (confident background), 255
   where all scores are 0 (crop padding).
3. Pair labels within the radius (:func:`extract_affinity_labels`): ``bg_pos`` = both 0,
   ``fg_pos`` = same non-zero label, both valid, ``neg`` = different labels, both valid (valid =
   not 255); pairs are :func:`cvshared.ops.affinity.get_indices_of_pairs`'s, ``(D, N)``.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from cvshared.ops.affinity import get_indices_of_pairs

IGNORE = 255


def crf_scores(img: np.ndarray, cams: np.ndarray, alpha: float) -> np.ndarray:
    """``(K + 1) x H x W`` dense-CRF marginals of ``[(1 - max M)^alpha, M]`` (official
    ``_crf_with_alpha``; channel ``k + 1`` is the image's ``k``-th present class)."""
    from cvshared.wsss.crf import crf_inference_prob
    cams = np.asarray(cams, np.float32)
    if cams.ndim != 3:
        raise ValueError(f'crf_scores: cams must be K x H x W, got {cams.shape}')
    if tuple(cams.shape[1:]) != tuple(np.asarray(img).shape[:2]):
        raise ValueError(f'crf_scores: the CAMs are {cams.shape[1]}x{cams.shape[2]} but the '
                         f'image is {img.shape[0]}x{img.shape[1]}; the CAMs were made for '
                         f'other images (rerun make_cam)')
    bg = np.power(1 - (cams.max(0, keepdims=True) if len(cams) else
                       np.zeros((1,) + cams.shape[1:], np.float32)), alpha)
    scores = np.concatenate([bg, cams]).astype(np.float32)
    return crf_inference_prob(img, scores, t=10)


def pool_scores(scores, stride: int = 8) -> torch.Tensor:
    """Average pooling by ``stride`` of a ``C x H x W`` stack (official ``skimage`` block_reduce
    mean; H and W multiples of ``stride``, as after the official 448 crop)."""
    t = torch.as_tensor(np.asarray(scores, np.float32))
    if t.shape[1] % stride or t.shape[2] % stride:
        raise ValueError(f'pool_scores: {t.shape[1]}x{t.shape[2]} is not a multiple of {stride} '
                         f'(crop or pad first)')
    return F.avg_pool2d(t[None], stride, stride)[0]


def label_from_scores(la, ha) -> torch.Tensor:
    """Stride-8 label map (``int64``, values = channel index of ``la`` / 0 / 255) from the pooled
    la / ha stacks ``(K + 1) x h x w`` (module docstring, step 2)."""
    la = torch.as_tensor(np.asarray(la, np.float32))
    ha = torch.as_tensor(np.asarray(ha, np.float32))
    if la.shape != ha.shape:
        raise ValueError(f'la {tuple(la.shape)} and ha {tuple(ha.shape)} differ')
    no_score = torch.maximum(la.amax(0), ha.amax(0)) < 1e-5
    label_la = la.argmax(0)
    label = label_la.clone()
    label[label_la == 0] = IGNORE
    label[ha.argmax(0) == 0] = 0
    label[no_score] = IGNORE
    return label


def extract_affinity_labels(label: torch.Tensor, radius: int = 5):
    """``(bg_pos, fg_pos, neg)`` float ``(D, N)`` for the radius pairs of the ``h x w`` map."""
    label = torch.as_tensor(label)
    if label.ndim != 2:
        raise ValueError(f'affinity label map must be h x w, got {tuple(label.shape)}')
    ind_from, ind_to = get_indices_of_pairs(radius, tuple(label.shape))
    flat = label.reshape(-1).long()
    src = flat[ind_from].view(1, -1)
    dst = flat[ind_to].view(-1, src.shape[1])
    valid = (src < IGNORE) & (dst < IGNORE)
    same = src == dst
    bg_pos = same & (src == 0)
    fg_pos = same & (src != 0) & valid
    neg = ~same & valid
    return bg_pos.float(), fg_pos.float(), neg.float()
