"""Video-anomaly data sets in their official layouts: the raw-frame lists of UMIL
(:class:`VideoAnomalyRawFrameDataset`, at the end of this module) and, below, the pre-extracted
I3D features of UCF-Crime (10-crop) and XD-Violence (5-crop) for weakly
supervised video anomaly detection, in the layout of BN-WVAD / UR-DMU (``dataset_loader.py``,
``test.py``, ``infer.py``).

On-disk layout (``data_root`` = the feature set's own root; the official code keeps the lists and
frame labels inside its repository, copy its ``list/`` and ``frame_label/`` folders here)::

    <data_root>/
        list/XD_Train.list, list/XD_Test.list     one crop file per line, relative to data_root
        list/UCF_Train.list, list/UCF_Test.list   (or absolute paths)
        frame_label/xd_gt.npy                     (XD) 0/1 per test frame, all test videos
        frame_label/xd_anomaly_mask.npy           (XD) bool per test frame: abnormal video
        frame_label/gt-ucf.npy                    (UCF) 0/1 per test frame
        train/<video>__<crop>.npy  test/...       (XD; UCF: <Class>/<video>__<crop>.npy)

- A crop file is ``(T, 1024)`` float: one I3D RGB feature per 16-frame snippet. The crops of a
  video are consecutive lines ``<video>__0.npy`` ... ``<video>__{n-1}.npy`` (n = 5 XD, 10 UCF).
- Video label from the file name, as officially: XD normal videos contain ``_label_A``, UCF
  normal videos contain ``Normal``; everything else is abnormal (``gt_label`` 1). The official
  train lists hold the abnormal crop files first (XD 9,525, UCF 8,100), then the normal ones.
- Frame ground truth of the test split: the gt vector is the concatenation, in list order, of
  ``16 * T`` frames per video (``np.repeat(score, 16)`` in ``test.py``); each test data info gets
  its slice as ``gt_frame_label``. The official ``xd_anomaly_mask.npy`` (2,330,384 frames =
  16 x 145,649 snippets, 1,078,016 True) is True on exactly the videos whose names lack
  ``_label_A`` (the abnormal ones, listed first); the reader checks that per video.

Data infos: ``train`` gives one sample per **crop file** (the official training samples crops
independently; ``group_crops=True`` groups them), ``test`` one sample per **video** with all its
crops. Keys: ``feature_paths`` (list), ``video_name``, ``gt_label``, ``num_snippets`` and, in
test, ``gt_frame_label`` (int8) and ``frame_offset``. :class:`LoadVideoAnomalyFeatures` loads
``feat`` ``(N_crops, T, D)`` float32, resampled to ``num_segments`` in training like the
official ``np.linspace(0, T, n + 1, dtype=uint16)`` mean pooling (:func:`resample_segments`).

Checked while listing (every header is read, no data): a list entry without its file, a feature
file that is not ``(T, feature_dim)`` or has ``T = 0`` (an empty video), crops of one video with
different lengths, a video with the wrong crop count or order, and gt / mask files whose length
is not ``16 * sum(T)``: each raises :class:`VideoAnomalyDataError` naming the file (and the
list line).
"""
from __future__ import annotations

import os.path as osp
import re

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset
from mmengine.registry import DATASETS, TRANSFORMS

__all__ = ['VideoAnomalyDataError', 'VideoAnomalyI3DFeatureDataset', 'LoadVideoAnomalyFeatures',
           'resample_segments', 'BENCHMARKS', 'VideoAnomalyRawFrameDataset']

FRAMES_PER_SNIPPET = 16

BENCHMARKS = {
    'xd': dict(num_crops=5, normal_marker='_label_A', num_abnormal_train_files=9525,
               ann_file={'train': 'list/XD_Train.list', 'test': 'list/XD_Test.list'},
               gt_file='frame_label/xd_gt.npy', mask_file='frame_label/xd_anomaly_mask.npy'),
    'ucf': dict(num_crops=10, normal_marker='Normal', num_abnormal_train_files=8100,
                ann_file={'train': 'list/UCF_Train.list', 'test': 'list/UCF_Test.list'},
                gt_file='frame_label/gt-ucf.npy', mask_file=None),
}

_CROP = re.compile(r'^(?P<video>.+)__(?P<crop>\d+)\.npy$')


class VideoAnomalyDataError(ValueError):
    """A file of a video-anomaly data set does not match the official layout."""


def _header_shape(path: str, where: str) -> tuple[int, ...]:
    if not osp.isfile(path):
        raise VideoAnomalyDataError(f'{where}: feature file {path!r} does not exist')
    try:
        arr = np.load(path, mmap_mode='r', allow_pickle=False)
    except Exception as err:  # numpy raises assorted errors for a bad header
        raise VideoAnomalyDataError(f'{where}: cannot read feature file {path!r} ({err})') \
            from err
    return tuple(arr.shape)


def resample_segments(feature: np.ndarray, num_segments: int) -> np.ndarray:
    """Official training resampling: ``(T, D)`` -> ``(num_segments, D)``, mean over
    ``[idx[i], idx[i+1])`` with ``idx = linspace(0, T, n + 1)`` cast to uint16, or the single
    snippet ``idx[i]`` when the range is empty."""
    idx = np.linspace(0, feature.shape[0], num_segments + 1, dtype=np.uint16)
    out = np.zeros((num_segments, feature.shape[1]), np.float32)
    for i in range(num_segments):
        if idx[i] == idx[i + 1]:
            out[i] = feature[idx[i]]
        else:
            out[i] = feature[idx[i]:idx[i + 1]].mean(0)
    return out


@DATASETS.register_module()
class VideoAnomalyI3DFeatureDataset(BaseDataset):
    """UCF-Crime / XD-Violence I3D crop features (see the module docstring).

    Args:
        data_root: The feature set's root.
        benchmark: ``'xd'`` or ``'ucf'`` (crop count, normal-name marker, default files).
        split: ``'train'`` or ``'test'``.
        ann_file, gt_file, mask_file: override the defaults of ``BENCHMARKS`` (relative to
            ``data_root``); ``mask_file=None`` for UCF, whose abnormal videos are known from
            their names.
        feature_dim: 1024 (I3D RGB).
        group_crops: one sample per video (default in test) instead of per crop file.
    """

    def __init__(self, data_root: str, benchmark: str = 'xd', split: str = 'train',
                 ann_file: str | None = None, gt_file: str | None = None,
                 mask_file: str | None = 'default', feature_dim: int = 1024,
                 num_crops: int | None = None, group_crops: bool | None = None,
                 pipeline=(), **kwargs):
        if benchmark not in BENCHMARKS:
            raise ValueError(f'benchmark must be one of {sorted(BENCHMARKS)}, got {benchmark!r}')
        if split not in ('train', 'test'):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        spec = BENCHMARKS[benchmark]
        self.benchmark, self.split, self.feature_dim = benchmark, split, feature_dim
        self.num_crops = num_crops or spec['num_crops']
        self.normal_marker = spec['normal_marker']
        self.group_crops = split == 'test' if group_crops is None else group_crops
        self.gt_file = gt_file or spec['gt_file']
        self.mask_file = spec['mask_file'] if mask_file == 'default' else mask_file
        kwargs.setdefault('serialize_data', False)
        super().__init__(data_root=data_root, ann_file=ann_file or spec['ann_file'][split],
                         pipeline=list(pipeline), test_mode=split == 'test', **kwargs)

    def _path(self, rel: str) -> str:
        return osp.join(self.data_root, rel)

    def _videos(self) -> list[dict]:
        """Crop files grouped into videos, every header checked."""
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'list file {self.ann_file!r} not found; copy the official list/ folder '
                f'(BN-WVAD / UR-DMU repository) into the data root {self.data_root!r}')
        videos: list[dict] = []
        with open(self.ann_file, encoding='utf-8') as f:
            lines = [(n, ln.strip()) for n, ln in enumerate(f, 1) if ln.strip()]
        for lineno, entry in lines:
            where = f'{self.ann_file}:{lineno}'
            fields = entry.split()
            if len(fields) != 1:
                raise VideoAnomalyDataError(f'{where}: expected one feature path per line, got '
                                            f'{len(fields)} fields: {entry!r}')
            m = _CROP.match(osp.basename(fields[0]))
            if m is None:
                raise VideoAnomalyDataError(f'{where}: {fields[0]!r} is not named '
                                            '<video>__<crop>.npy')
            path = self._path(fields[0])
            shape = _header_shape(path, where)
            if len(shape) != 2 or shape[1] != self.feature_dim:
                raise VideoAnomalyDataError(
                    f'{where}: feature file {path!r} has shape {shape}, expected (T, '
                    f'{self.feature_dim}) (one {self.feature_dim}-d I3D feature per snippet, '
                    'one file per crop)')
            if shape[0] == 0:
                raise VideoAnomalyDataError(f'{where}: feature file {path!r} is an empty video '
                                            '(0 snippets)')
            video, crop = osp.join(osp.dirname(fields[0]), m['video']), int(m['crop'])
            if not videos or videos[-1]['key'] != video or len(videos[-1]['paths']) \
                    == self.num_crops:
                videos.append(dict(key=video, paths=[], lines=[], T=shape[0]))
            v = videos[-1]
            if crop != len(v['paths']):
                raise VideoAnomalyDataError(
                    f'{where}: crop {crop} of {m["video"]!r} follows {len(v["paths"])} crops; '
                    f'the {self.num_crops} crops of a video must be consecutive lines __0 .. '
                    f'__{self.num_crops - 1}')
            if shape[0] != v['T']:
                raise VideoAnomalyDataError(f'{where}: feature file {path!r} has {shape[0]} '
                                            f'snippets, crop 0 of the video has {v["T"]}')
            v['paths'].append(path)
            v['lines'].append(lineno)
        for v in videos:
            if len(v['paths']) != self.num_crops:
                raise VideoAnomalyDataError(
                    f'{self.ann_file}:{v["lines"][-1]}: video {v["key"]!r} has '
                    f'{len(v["paths"])} crops, expected {self.num_crops} ({self.benchmark})')
        return videos

    def _frame_array(self, rel: str, total: int, what: str) -> np.ndarray:
        path = self._path(rel)
        if not osp.isfile(path):
            raise FileNotFoundError(f'{what} file {path!r} not found; copy the official '
                                    f'frame_label/ folder into the data root')
        arr = np.load(path, allow_pickle=False).ravel()
        if arr.size != total:
            raise VideoAnomalyDataError(
                f'{what} file {path!r} has {arr.size} frames but the test list gives '
                f'{total} (16 per snippet of every video, in list order)')
        return arr

    def load_data_list(self) -> list[dict]:
        videos = self._videos()
        infos = []
        if self.split == 'test':
            total = FRAMES_PER_SNIPPET * sum(v['T'] for v in videos)
            gt = self._frame_array(self.gt_file, total, 'frame ground-truth')
            mask = (self._frame_array(self.mask_file, total, 'anomaly mask').astype(bool)
                    if self.mask_file else None)
        offset = 0
        for v in videos:
            name = osp.basename(v['key'])
            label = int(self.normal_marker not in name)
            base = dict(video_name=name, gt_label=label, num_snippets=v['T'])
            if self.split == 'test':
                n = FRAMES_PER_SNIPPET * v['T']
                base.update(gt_frame_label=gt[offset:offset + n].astype(np.int8),
                            frame_offset=offset)
                if mask is not None and not (mask[offset:offset + n] == bool(label)).all():
                    raise VideoAnomalyDataError(
                        f'anomaly mask {self._path(self.mask_file)!r} disagrees with the label '
                        f'of {name!r} (from its name) on frames {offset}..{offset + n - 1}')
                offset += n
            if self.group_crops:
                infos.append(dict(base, feature_paths=list(v['paths'])))
            else:
                infos.extend(dict(base, feature_paths=[p], crop=c)
                             for c, p in enumerate(v['paths']))
        return infos


@TRANSFORMS.register_module()
class LoadVideoAnomalyFeatures(BaseTransform):
    """Load ``feature_paths`` into ``feat`` ``(N_crops, T, D)`` float32; with
    ``num_segments`` each crop is resampled by :func:`resample_segments` (training)."""

    def __init__(self, num_segments: int | None = None):
        self.num_segments = num_segments

    def transform(self, results: dict) -> dict:
        crops = []
        for path in results['feature_paths']:
            feat = np.load(path, allow_pickle=False).astype(np.float32)
            if self.num_segments:
                feat = resample_segments(feat, self.num_segments)
            crops.append(feat)
        results['feat'] = np.stack(crops)
        return results


# ---------------------------------------------------------------------------- UMIL raw frames
UMIL_FRAME_TMPL = 'img_{:08}.jpg'


@DATASETS.register_module()
class VideoAnomalyRawFrameDataset(BaseDataset):
    """UCF-Crime / TAD raw-frame lists of UMIL (``labels/{UCF,TAD}_{train,test}.txt``).

    Layout: ``<data_root>/<path>/img_00000000.jpg ...`` (frames counted from 0; the folder
    names keep the ``.mp4`` suffix, e.g. ``frames/Abuse/Abuse028_x264.mp4/``). List lines:

    - train: ``path 0 n_frames class`` (4 fields; class 0 = normal, 1..13 the anomaly class);
    - test: ``path n_frames class s1 e1 [s2 e2 ...]`` (UCF 7 fields, TAD 5), ``-1`` for none.
      Frames ``[s, e)`` of each interval are abnormal (``e`` clipped to ``n_frames``).

    ``zero_start='official'`` (default) reproduces UMIL's ``evaluate_result``: an interval is
    used only when ``s > 0``. The official TAD test list writes ``0 n`` for its normal videos
    (which this rule needs) but also starts 13 of its 60 abnormal videos' only interval at 0:
    officially those videos have no abnormal frame (they count as normal frames in AUC and are
    left out of AUC_sub). ``zero_start='keep'`` keeps intervals starting at 0 in videos whose
    class is not 0 (normal videos never get abnormal frames). UCF's test list has no such case.

    Data infos (mmaction2 ``RawFrameDecode``-compatible): ``frame_dir``, ``total_frames``,
    ``filename_tmpl``, ``start_index`` (0), ``modality`` ('RGB'), ``label`` (class index),
    ``gt_label`` (0 / 1), ``video_name`` and, for test lists, ``intervals`` (list of
    ``(s, e)``) and ``gt_frame_label`` (int8, ``n_frames``). Every line is checked while
    listing: field count, integers, the frame folder and its first and last frame files; errors
    name the list file and line.
    """

    def __init__(self, data_root: str, ann_file: str, split: str = 'train',
                 filename_tmpl: str = UMIL_FRAME_TMPL, zero_start: str = 'official',
                 check_frames: bool = True, pipeline=(), **kwargs):
        if split not in ('train', 'test'):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        if zero_start not in ('official', 'keep'):
            raise ValueError(f"zero_start must be 'official' or 'keep', got {zero_start!r}")
        self.split, self.filename_tmpl = split, filename_tmpl
        self.zero_start, self.check_frames = zero_start, check_frames
        kwargs.setdefault('serialize_data', False)
        super().__init__(data_root=data_root, ann_file=ann_file, pipeline=list(pipeline),
                         test_mode=split == 'test', **kwargs)

    def _parse(self, fields: list[str], where: str) -> dict:
        n = len(fields)
        if self.split == 'train' and n != 4:
            raise VideoAnomalyDataError(f'{where}: a train line is "path 0 n_frames class" '
                                        f'(4 fields), got {n}: {" ".join(fields)!r}')
        if self.split == 'test' and (n < 3 or n % 2 == 0):
            raise VideoAnomalyDataError(
                f'{where}: a test line is "path n_frames class s1 e1 [s2 e2 ...]" (3 + 2k '
                f'fields), got {n}: {" ".join(fields)!r}')
        try:
            nums = [int(x) for x in fields[1:]]
        except ValueError as err:
            raise VideoAnomalyDataError(f'{where}: non-integer field ({err})') from err
        if self.split == 'train':
            start, end, cls = nums
            return dict(total_frames=end - start, label=cls)
        total, cls, bounds = nums[0], nums[1], nums[2:]
        intervals = []
        for s, e in zip(bounds[::2], bounds[1::2]):
            if s < 0 or (s == 0 and (self.zero_start == 'official' or cls == 0)):
                continue
            if e <= s:
                raise VideoAnomalyDataError(f'{where}: interval ({s}, {e}) is empty')
            intervals.append((s, min(e, total)))
        gt = np.zeros(total, np.int8)
        for s, e in intervals:
            gt[s:e] = 1
        return dict(total_frames=total, label=cls, intervals=intervals, gt_frame_label=gt)

    def load_data_list(self) -> list[dict]:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'frame list {self.ann_file!r} not found (UMIL labels/'
                                    f'{{UCF,TAD}}_{{train,test}}.txt)')
        infos = []
        with open(self.ann_file, encoding='utf-8') as f:
            for lineno, line in enumerate(f, 1):
                fields = line.split()
                if not fields:
                    continue
                where = f'{self.ann_file}:{lineno}'
                info = self._parse(fields, where)
                if info['total_frames'] < 1:
                    raise VideoAnomalyDataError(f'{where}: {fields[0]!r} has '
                                                f'{info["total_frames"]} frames (an empty video)')
                frame_dir = osp.join(self.data_root, fields[0])
                if self.check_frames:
                    if not osp.isdir(frame_dir):
                        raise VideoAnomalyDataError(f'{where}: frame folder {frame_dir!r} does '
                                                    'not exist')
                    for idx in (0, info['total_frames'] - 1):
                        path = osp.join(frame_dir, self.filename_tmpl.format(idx))
                        if not osp.isfile(path):
                            raise VideoAnomalyDataError(
                                f'{where}: frame {path!r} missing (the line says '
                                f'{info["total_frames"]} frames, named {self.filename_tmpl} '
                                'from 0)')
                info.update(frame_dir=frame_dir, filename_tmpl=self.filename_tmpl,
                            start_index=0, modality='RGB', gt_label=int(info['label'] != 0),
                            video_name=osp.basename(fields[0]))
                infos.append(info)
        return infos
