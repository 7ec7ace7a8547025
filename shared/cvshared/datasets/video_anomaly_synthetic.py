"""Synthetic video-anomaly sets in the official layouts of :mod:`.video_anomaly`: I3D-feature
sets (BN-WVAD / UR-DMU, :func:`write_synthetic_video_anomaly_features`) and raw-frame folders
with UMIL's lists (:func:`write_synthetic_umil_frames`, at the end of the module; optionally
with a scene-type context bias).

I3D features:
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

__all__ = ['write_synthetic_video_anomaly_features', 'write_synthetic_umil_frames', 'street_scene',
           'scene_type_tint']


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


# ---------------------------------------------------------------------------- UMIL raw frames
def street_scene(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A static grey 'street' scene: sky-to-road gradient, buildings, lane marks (float RGB)."""
    y = np.linspace(0, 1, h)[:, None, None]
    img = np.broadcast_to(0.55 - 0.25 * y, (h, w, 3)).copy() * 255
    for _ in range(int(rng.integers(2, 5))):
        x0, bw = int(rng.integers(0, w - 8)), int(rng.integers(6, w // 3))
        top = int(rng.integers(h // 8, h // 2))
        img[top:h // 2, x0:x0 + bw] = rng.uniform(60, 140, 3)
    img[h // 2:] = 90
    img[int(0.75 * h), ::8][:, :] = 220  # lane marks
    return img


def _scene_types(rng: np.random.Generator, split: str, n_ab: int, n_no: int,
                 bias: float) -> list:
    """Scene type per video (abnormal first) of :func:`write_synthetic_umil_frames`."""
    if split == 'test':   # reversed at full strength
        return ['B'] * n_ab + ['A'] * n_no
    k_ab, k_no = round(n_ab * (1 + bias) / 2), round(n_no * (1 + bias) / 2)
    ab = np.array(['A'] * k_ab + ['B'] * (n_ab - k_ab))
    no = np.array(['B'] * k_no + ['A'] * (n_no - k_no))
    return [str(x) for x in rng.permutation(ab)] + [str(x) for x in rng.permutation(no)]


def scene_type_tint(scene: np.ndarray, kind: str, tint: float = 0.15) -> np.ndarray:
    """Scene type ``'A'`` (cold: red x 0.85, green x 0.94, blue x 1.18) or ``'B'`` (warm: red
    x 1.15, blue x 0.85) of a :func:`street_scene` scene: a global cue in every frame."""
    if kind == 'A':
        gain = np.array([1 - tint, 1 - 0.4 * tint, 1 + 1.2 * tint])
    else:
        gain = np.array([1 + tint, 1.0, 1 - tint])
    return np.clip(scene * gain, 0, 255)


def write_synthetic_umil_frames(
        root: str, benchmark: str = 'ucf', num_train: tuple[int, int] = (3, 3),
        num_test: tuple[int, int] = (2, 2), size: tuple[int, int] = (48, 64),
        num_frames: tuple[int, int] = (40, 72), seed: int = 0,
        context_bias: float = 0.0) -> dict:
    """UMIL's raw-frame layout under ``root`` (= ``data_root``) with its four lists.

    Every video: a static street scene with a few small slow 'pedestrians' (dark blobs walking
    one pixel per frame) and sensor noise. Abnormal videos add one event (two at most for UCF,
    one for TAD, like the official lists) during which a large bright object crosses the scene
    fast and the scene flickers. Frames are JPEGs ``img_{:08}.jpg`` from 0 in folders named
    ``frames/<Class>/<video>.mp4/``. Lists: ``labels/{UCF,TAD}_{train,test}.txt`` in the
    official field layout (test: UCF 7 fields, TAD 5; normal TAD test videos read ``0 n`` as
    officially). Returns the list paths and, per test video, its intervals.

    ``context_bias`` (0 = off, the set above byte for byte) adds the *context bias* UMIL
    targets (Lv et al., CVPR 2023, abstract and Sec. 1: the MIL detector is biased towards
    abnormal snippets with simple context and confused by normal ones with the same context):
    every video is filmed in scene type ``'A'`` (a cold tint, :func:`scene_type_tint`) or ``'B'``
    (a warm tint), a cue present in every frame and unrelated to the event, which stays the
    only true cue. Training: ``round(n * (1 + context_bias) / 2)`` (Python's, half to even)
    of the ``n`` abnormal videos are in ``'A'`` and as many of the normal ones in ``'B'``
    (1.0: all abnormal in A, all normal in B; which videos: drawn from a separate generator).
    Test: the correlation reversed at full strength, every abnormal video in ``'B'`` and every
    normal one in ``'A'``, so that a detector that learned the scene ranks normal test frames
    above abnormal ones. The summary then has ``scenes``: ``{rel: 'A' | 'B'}`` of every video.
    """
    from PIL import Image  # core dependency (pillow)

    if benchmark not in ('ucf', 'tad'):
        raise ValueError(f"benchmark must be 'ucf' or 'tad', got {benchmark!r}")
    if not 0.0 <= context_bias <= 1.0:
        raise ValueError(f'context_bias must be in [0, 1] (0 = off), got {context_bias!r}')
    rng = np.random.default_rng(seed)
    # the scene types come from their own generator, so the videos' draws stay those of the
    # unbiased set
    scene_rng = np.random.default_rng([seed, 1]) if context_bias > 0 else None
    h, w = size
    prefix = 'UCF' if benchmark == 'ucf' else 'TAD'
    max_events = 2 if benchmark == 'ucf' else 1
    os.makedirs(osp.join(root, 'labels'), exist_ok=True)
    summary: dict = {'intervals': {}}
    vid = 0
    if scene_rng is not None:
        summary['scenes'] = {}
    for split, (n_ab, n_no) in (('train', num_train), ('test', num_test)):
        lines = []
        scenes = None if scene_rng is None else _scene_types(scene_rng, split, n_ab, n_no,
                                                               context_bias)
        for v in range(n_ab + n_no):
            abnormal = v < n_ab
            vid += 1
            n = int(rng.integers(num_frames[0], num_frames[1] + 1))
            if benchmark == 'ucf':
                rel = (f'frames/Synth/Synth{vid:03d}_x264.mp4' if abnormal else
                       f'frames/Normal/Normal_Videos_{vid:03d}_x264.mp4')
            else:
                rel = (f'frames/abnormal/01_Synth_{vid:03d}.mp4' if abnormal else
                       f'frames/normal/Normal_{vid:03d}.mp4')
            events = []
            if abnormal:
                k = int(rng.integers(1, max_events + 1))
                cuts = np.sort(rng.choice(np.arange(1, n // 2), 2 * k, replace=False)) * 2
                events = [(int(cuts[2 * i]), int(min(cuts[2 * i + 1], n)))
                          for i in range(k)]
                events = [(s, e) for s, e in events if e - s >= 4] or [(n // 4, n // 2)]
            scene = street_scene(rng, h, w)
            if scenes is not None:
                scene = scene_type_tint(scene, scenes[v])
                summary['scenes'][rel] = scenes[v]
            walkers = [(int(rng.integers(h // 2, h - 4)), int(rng.integers(0, w)),
                        int(rng.choice([-1, 1]))) for _ in range(3)]
            frame_dir = osp.join(root, rel)
            os.makedirs(frame_dir, exist_ok=True)
            for t in range(n):
                img = scene + rng.normal(0, 3, scene.shape)
                for y, x, d in walkers:
                    xx = (x + d * t) % w
                    img[y - 3:y, max(xx - 1, 0):xx + 1] = 30
                for s, e in events:
                    if s <= t < e:
                        p = (t - s) / max(e - s, 1)
                        cx = int(p * (w + 20)) - 10
                        img[h // 3:h // 3 + 14, max(cx - 8, 0):max(cx + 8, 0)] = (250, 240, 60)
                        img *= 1.25 if t % 2 else 0.8
                Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(
                    osp.join(frame_dir, f'img_{t:08d}.jpg'), quality=90)
            cls = 1 if abnormal else 0
            if split == 'train':
                lines.append(f'{rel} 0 {n} {cls}')
            else:
                pad = [(-1, -1)] * (max_events - len(events))
                pairs = events + pad if abnormal else (
                    [(-1, -1)] * max_events if benchmark == 'ucf' else [(0, n)])
                lines.append(' '.join([rel, str(n), str(cls)] +
                                      [f'{s} {e}' for s, e in pairs]))
                summary['intervals'][rel] = events
        path = osp.join(root, 'labels', f'{prefix}_{split}.txt')
        with open(path, 'w', encoding='utf-8') as f:
            f.write('\n'.join(lines) + '\n')
        summary[f'{split}_list'] = path
    return summary
