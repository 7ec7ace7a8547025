"""Stage B of UMIL: the confident / ambiguous split from each training snippet's score history
(the block after ``validate(val_loader_train, ...)`` in ``main_umil.py::main``).

A *training snippet* is one segment of ``seg_len`` frames (``NUM_FRAMES * FRAME_INTERVAL`` =
30) of a training video, scored once per epoch in test mode (one centre clip per segment; the
official ``RawFramesTestDataset`` drops a last segment shorter than 5 frames).

The history is ONE preallocated array ``[max_epochs, num_snippets, num_classes]`` (float32)
with per-video offsets, so appending an epoch and splitting are linear in the training set
(the official concatenates per-video arrays every epoch).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def num_segments(total_frames: int, seg_len: int = 30, min_len: int = 5) -> int:
    """Segments of a video as the official train-scoring set lists them (short tail dropped)."""
    n = math.ceil(total_frames / seg_len)
    if n and total_frames - seg_len * (n - 1) < min_len:
        n -= 1
    if n < 1:
        raise ValueError(f'a video of {total_frames} frames has no segment of >= {min_len} '
                         'frames to score (an empty or too short video)')
    return n


def snippet_of_clips(frame_inds: np.ndarray, total_frames: int, num_snippets: int,
                     clip_len: int) -> np.ndarray:
    """The history snippet of each sampled clip (``umil_one_epoch``): the clip's middle frame
    ``f`` maps to ``f * num_snippets // total_frames``.
    ``frame_inds``: ``[num_clips * clip_len]``."""
    inds = np.asarray(frame_inds, np.int64).reshape(-1, clip_len)[:, clip_len // 2]
    return np.clip(inds * num_snippets // int(total_frames), 0, num_snippets - 1)


def order_threshold(values: np.ndarray, q: float) -> float:
    """The official threshold: ``sorted(values)[int(len(values) * q)]``; ``-inf`` (nothing
    below it) for an empty set, where the official raises an IndexError."""
    if values.size == 0:
        return -np.inf
    return float(np.sort(values, kind='stable')[int(values.size * q)])


class ScoreHistory:
    """Per-snippet score history of the training set.

    Args:
        snippets_per_video: number of snippets of each training video (list order).
        max_epochs: epochs the history can hold (``epochs - (umil_epoch - 5)`` suffices).
        num_classes: classes of the scores (2).
    """

    def __init__(self, snippets_per_video: Sequence[int], max_epochs: int,
                 num_classes: int = 2):
        counts = np.asarray(snippets_per_video, np.int64)
        if counts.ndim != 1 or (counts < 1).any():
            raise ValueError('every training video needs >= 1 snippet')
        self.counts = counts
        self.offsets = np.concatenate([[0], np.cumsum(counts)])
        self.scores = np.zeros((int(max_epochs), int(self.offsets[-1]), num_classes),
                               np.float32)
        self.length = 0

    @property
    def num_snippets(self) -> int:
        return int(self.offsets[-1])

    def video_slice(self, video: int) -> slice:
        return slice(int(self.offsets[video]), int(self.offsets[video + 1]))

    def append(self, epoch_scores: np.ndarray) -> None:
        """Add one epoch: ``epoch_scores [num_snippets, num_classes]`` (videos concatenated)."""
        if self.length >= self.scores.shape[0]:
            raise RuntimeError(f'the score history holds {self.scores.shape[0]} epochs; '
                               'raise max_epochs')
        epoch_scores = np.asarray(epoch_scores)
        if epoch_scores.shape != self.scores.shape[1:]:
            raise ValueError(f'epoch scores of shape {epoch_scores.shape}, expected '
                             f'{self.scores.shape[1:]}')
        self.scores[self.length] = epoch_scores
        self.length += 1

    def split(self, normal_video: Sequence[bool], confidence: float = 0.3):
        """``(pseudo_label [N] int64, confident [N] bool)`` over all snippets.

        Pseudo label = argmax of the mean scores over the epochs; variance (population) of
        ``p_ano`` over the epochs; per pseudo-class threshold = the ``confidence`` order
        statistic of the variances among ABNORMAL videos' snippets of that class; confident =
        variance strictly below it. Every snippet of a normal video: confident, label 0.
        """
        if self.length < 2:
            raise RuntimeError('the split needs a history of >= 2 epochs')
        hist = self.scores[:self.length]
        label = hist.mean(0).argmax(-1)
        var = hist[:, :, 1].var(0)
        normal = np.repeat(np.asarray(normal_video, bool), self.counts)
        abn = ~normal
        thr = {c: order_threshold(var[abn & (label == c)], confidence) for c in (0, 1)}
        confident = np.where(label == 1, var < thr[1], var < thr[0])
        confident[normal] = True
        label = np.where(normal, 0, label).astype(np.int64)
        return label, confident
