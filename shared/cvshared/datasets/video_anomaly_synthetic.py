"""Synthetic I3D-feature sets in the BN-WVAD / UR-DMU layout (see :mod:`.video_anomaly`).

Normal snippets are ``N(0, 1)`` features with a slow per-video drift; an abnormal video has one
or two contiguous **outlier runs** of snippets shifted by ``outlier_scale`` along a fixed random
unit direction (shared by the whole set, plus per-run jitter), identical across crops up to
small crop noise. The frame ground truth marks the 16 frames of each outlier snippet; the
anomaly mask marks every frame of an abnormal video. Byte-deterministic per seed.
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np

from .video_anomaly import BENCHMARKS, FRAMES_PER_SNIPPET

__all__ = ['write_synthetic_video_anomaly_features']


def _name(benchmark: str, split: str, idx: int, abnormal: bool) -> str:
    if benchmark == 'xd':
        label = 'B1-0-0' if abnormal else 'A'
        return f'{split}/Synth{idx:04d}__#00-00-00_00-01-00_label_{label}'
    if abnormal:
        return f'Synth/Synth{idx:03d}_x264'
    folder = 'Training' if split == 'train' else 'Testing'
    return f'{folder}_Normal_Videos_Anomaly/Normal_Videos{idx:03d}_x264'


def write_synthetic_video_anomaly_features(
        root: str, benchmark: str = 'xd', num_train: tuple[int, int] = (8, 8),
        num_test: tuple[int, int] = (4, 4), feature_dim: int = 1024,
        num_snippets: tuple[int, int] = (24, 48), outlier_scale: float = 4.0,
        crop_noise: float = 0.1, seed: int = 0) -> dict:
    """Write a synthetic feature set under ``root`` (= the data set's ``data_root``).

    Args:
        num_train, num_test: (abnormal, normal) video counts; abnormal videos are listed first.
        num_snippets: inclusive range of snippets per video.

    Returns a summary: the list files, gt / mask paths, the videos' (name, label, T) and the
    outlier ``direction``.
    """
    spec = BENCHMARKS[benchmark]
    rng = np.random.default_rng(seed)
    direction = rng.standard_normal(feature_dim)
    direction /= np.linalg.norm(direction)
    os.makedirs(osp.join(root, 'list'), exist_ok=True)
    os.makedirs(osp.join(root, 'frame_label'), exist_ok=True)
    summary: dict = {'videos': {}, 'direction': direction}
    idx = 0
    for split, (n_ab, n_no) in (('train', num_train), ('test', num_test)):
        lines, gt, mask, videos = [], [], [], []
        for v in range(n_ab + n_no):
            abnormal = v < n_ab
            idx += 1
            t = int(rng.integers(num_snippets[0], num_snippets[1] + 1))
            base = rng.standard_normal((t, feature_dim)) + \
                np.cumsum(rng.standard_normal((t, feature_dim)) * 0.05, 0)
            snippet_gt = np.zeros(t, bool)
            if abnormal:
                for _ in range(int(rng.integers(1, 3))):
                    length = int(rng.integers(max(2, t // 8), max(3, t // 3)))
                    start = int(rng.integers(0, t - length + 1))
                    shift = direction + 0.2 * rng.standard_normal(feature_dim) / \
                        np.sqrt(feature_dim)
                    base[start:start + length] += outlier_scale * shift
                    snippet_gt[start:start + length] = True
            name = _name(benchmark, split, idx, abnormal)
            os.makedirs(osp.dirname(osp.join(root, name)), exist_ok=True)
            for c in range(spec['num_crops']):
                crop = base + crop_noise * rng.standard_normal((t, feature_dim))
                rel = f'{name}__{c}.npy'
                np.save(osp.join(root, rel), crop.astype(np.float32))
                lines.append(rel)
            gt.append(np.repeat(snippet_gt, FRAMES_PER_SNIPPET))
            mask.append(np.full(t * FRAMES_PER_SNIPPET, abnormal))
            videos.append((osp.basename(name), int(abnormal), t))
        ann = osp.join(root, spec['ann_file'][split])
        with open(ann, 'w', encoding='utf-8') as f:
            f.write('\n'.join(lines) + '\n')
        summary[f'{split}_list'] = ann
        summary['videos'][split] = videos
        if split == 'test':
            summary['gt_file'] = osp.join(root, spec['gt_file'])
            np.save(summary['gt_file'], np.concatenate(gt).astype(np.float32))
            if spec['mask_file']:
                summary['mask_file'] = osp.join(root, spec['mask_file'])
                np.save(summary['mask_file'], np.concatenate(mask))
    return summary
