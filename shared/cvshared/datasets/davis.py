"""Video object segmentation data with optical-flow images: DAVIS-2016, YouTube-Objects,
Long-Videos, and the official HFAN "DAVIS2SEG" release layout.

Every sample is ONE frame: its RGB image, its optical-flow image (a colour-coded flow picture
with the same file name as the frame, the format HFAN / HGPU / HCPN read) and, when annotated,
its binary mask. ``seq_name`` and ``frame_index`` travel in the metainfo so that
:class:`cvshared.metrics.davis.DAVISJFMetric` can group frames into sequences.

On-disk layouts (``<root>`` is the ``data_root`` of the config)::

    DAVIS-2016 (official download; DAVIS-2017 trainval also ships ImageSets/2016)
    <root>/JPEGImages/480p/<seq>/00000.jpg ...
    <root>/Annotations/480p/<seq>/00000.png ...   (0 / 255, or palette indices; > 0 = object)
    <root>/FlowImages/480p/<seq>/00000.jpg ...    (one flow image per frame, same name)
    <root>/ImageSets/2016/{train,val}.txt          (one sequence per line), or the DAVIS-2016
    <root>/ImageSets/480p/{train,val}.txt          (DAVIS-2016: "/JPEGImages/480p/<seq>/... ...")

    DAVIS2SEG (the processed release of the official HFAN code; flat, <seq>_<frame> names)
    <root>/frame/{train,val}/<seq>_00000.jpg
    <root>/flow/{train,val}/<seq>_00000.jpg
    <root>/mask/{train,val}/<seq>_00000.png

    YouTube-Objects (sparse annotations, category/video folders)
    <root>/JPEGImages/<category>/<video>/<frame>.jpg
    <root>/Annotations/<category>/<video>/<frame>.png   (only the annotated frames)
    <root>/FlowImages/<category>/<video>/<frame>.jpg

    Long-Videos (3 long videos, 20 annotated frames each)
    <root>/JPEGImages/<seq>/<frame>.jpg
    <root>/Annotations/<seq>/<frame>.png                (only the annotated frames)
    <root>/FlowImages/<seq>/<frame>.jpg

Dense data sets (DAVIS) must have exactly one mask per frame; sparse ones (YouTube-Objects,
Long-Videos) evaluate the annotated frames only (``annotated_only=True``). Every listed frame
must have its flow image.

Frame pairs (HGPU, HCPN; second half of this module): :class:`DAVIS16FramePairDataset` and
:class:`YouTubeVOSFramePairDataset` read the official HGPU / HCPN layouts (``davis-flow`` with
n - 1 flow images ``<k>_<k+1>.png`` per video, ``davis-hed``, HCPN's ``Annotations_ctr``; the
trees are in the comment block above :class:`VOSFramePairDataset`). One sample = frames k and
k+1. Pipeline::

    [dict(type='LoadFramePair'),                       # img: H x W x 9 (RGB frame k, k+1, flow)
     dict(type='LoadFramePairAnnotations', with_contour=True),   # HCPN; HGPU: default
     dict(type='mmseg.Resize', scale=(512, 512), keep_ratio=False),
     dict(type='PackFramePairInputs')]

Keys of the packed ``SegDataSample`` (``PixelData``, 1 x H x W): ``gt_sem_seg`` /
``gt_sem_seg2`` (int64 {0, 1}, frames k / k+1), ``gt_hed`` / ``gt_hed2`` (float32 HED, 0..255),
``gt_hard_negative`` / ``gt_hard_negative2`` (float32 MATNet map n computed before the resize as
officially; loss weight 1 + n), ``gt_contour`` / ``gt_contour2`` (float32 [0, 1], HCPN); metainfo
``seq_name``, ``frame_index`` (k), ``frame_name``, ``frame2_name``, ``num_frames``,
``is_last_pair``, the paths and shapes.

Frame-pair evaluation benchmarks (HGPU / HCPN test sets; end of this module): one sample per
EVALUATED frame t, built from the pair the official test script predicts it with (pair t, or
the second mask of pair n - 2 for the last frame; ``pair_index`` 0 / 1, ``frame_index`` = t):
:class:`YouTubeObjectsFramePairDataset` (``<category>/<video>``, 10 categories, sparse),
:class:`LongVideosFramePairDataset` (HGPU, sparse), :class:`FBMSFramePairDataset` (HCPN,
sparse), :class:`DAVIS17UnsupervisedFramePairDataset` (dense, instance ids), all subclasses of
:class:`VOSFramePairEvalDataset`; the masks with :class:`LoadEvalFrameMask`. Sparse sets list
the annotated frames only (``annotated_only=True``, the convention of the single-frame sparse
sets above, so ``DAVISJFMetric`` scores exactly them); ``annotated_only=False`` lists every
frame for writing predictions, unannotated ones without ground truth (``annotated=False``).
Test pipeline::

    [dict(type='LoadFramePair'), dict(type='mmseg.Resize', scale=(512, 512), keep_ratio=False),
     dict(type='LoadEvalFrameMask'),            # DAVIS-17 instance ids: binary=False
     dict(type='PackFramePairInputs')]
"""
from __future__ import annotations

import os
import os.path as osp
from collections.abc import Sequence

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.registry import DATASETS, TRANSFORMS
from mmseg.datasets.basesegdataset import BaseSegDataset

from .io import imread

__all__ = ['VOSFrameFlowDataset', 'DAVIS2016FrameFlowDataset', 'DAVIS2SEGFrameFlowDataset',
           'YouTubeObjectsFrameFlowDataset', 'LongVideosFrameFlowDataset', 'LoadFrameAndFlow',
           'LoadBinaryMask', 'DAVIS2016_TRAIN', 'DAVIS2016_VAL', 'davis2016_tree',
           'check_davis2016']

#: The DAVIS-2016 splits (ImageSets/2016/{train,val}.txt of the DAVIS release).
DAVIS2016_TRAIN = (
    'bear', 'bmx-bumps', 'boat', 'breakdance-flare', 'bus', 'car-turn', 'dance-jump',
    'dog-agility', 'drift-turn', 'elephant', 'flamingo', 'hike', 'hockey', 'horsejump-low',
    'kite-walk', 'lucia', 'mallard-fly', 'mallard-water', 'motocross-bumps', 'motorbike',
    'paragliding', 'rhino', 'rollerblade', 'scooter-gray', 'soccerball', 'stroller', 'surf',
    'swing', 'tennis', 'train')
DAVIS2016_VAL = (
    'blackswan', 'bmx-trees', 'breakdance', 'camel', 'car-roundabout', 'car-shadow', 'cows',
    'dance-twirl', 'dog', 'drift-chicane', 'drift-straight', 'goat', 'horsejump-high',
    'kite-surf', 'libby', 'motocross-jump', 'paragliding-launch', 'parkour', 'scooter-black',
    'soapbox')


def davis2016_tree(root: str) -> str:
    return (f'{root}/\n'
            '  JPEGImages/480p/<sequence>/00000.jpg ...\n'
            '  Annotations/480p/<sequence>/00000.png ...\n'
            '  FlowImages/480p/<sequence>/00000.jpg ...   (one flow image per frame)\n'
            '  ImageSets/2016/train.txt, val.txt          (sequence names)')


def check_davis2016(data_root: str, split: str = 'val') -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if DAVIS-2016 is not there."""
    needed = ['JPEGImages/480p', 'Annotations/480p', 'FlowImages/480p',
              f'ImageSets/2016/{split}.txt']
    missing = [p for p in needed if not osp.exists(osp.join(data_root, p))]
    if missing:
        raise FileNotFoundError(
            f'DAVIS-2016 with flow images not found at {data_root!r} (missing: {missing}). '
            f'Expected:\n{davis2016_tree(data_root)}\nDownload DAVIS from '
            'https://davischallenge.org and render one flow image per frame (e.g. RAFT + the '
            'Middlebury colour wheel, cvshared.datasets.davis_synthetic.flow_to_image).')


def _list_files(folder: str, suffix: str) -> list[str]:
    return sorted(f for f in os.listdir(folder) if f.endswith(suffix)) if osp.isdir(folder) \
        else []


def _sequence_dirs(img_dir: str, suffix: str) -> list[str]:
    """Relative paths of the folders under ``img_dir`` that directly hold frames."""
    seqs = []
    for dirpath, dirnames, filenames in os.walk(img_dir):
        dirnames.sort()
        if any(f.endswith(suffix) for f in filenames) and dirpath != img_dir:
            seqs.append(osp.relpath(dirpath, img_dir).replace(os.sep, '/'))
    return sorted(seqs)


def _read_split(path: str) -> list[str]:
    """Sequence names of a split file (one name per line, or DAVIS-2016 path pairs)."""
    names = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if '/' in line:  # "/JPEGImages/480p/<seq>/00000.jpg /Annotations/480p/<seq>/..."
                line = line.split()[0].strip('/').split('/')[-2]
            if line not in names:
                names.append(line)
    return names


@DATASETS.register_module()
class VOSFrameFlowDataset(BaseSegDataset):
    """Frames + flow images + (dense or sparse) binary masks, one folder per sequence.

    Args:
        data_root: root of the data set.
        data_prefix: ``img_path`` (frames), ``flow_path`` (flow images), ``seg_map_path``
            (masks; '' or None for inference without masks), relative to ``data_root``.
        ann_file: optional split file (sequence names, one per line).
        sequences: optional explicit sequence names (checked against the folders).
        img_suffix, flow_suffix, seg_map_suffix: file endings.
        annotated_only: keep only frames that have a mask (sparse benchmarks). If False, every
            frame must have a mask when ``seg_map_path`` is given (dense benchmarks) and a
            differing count is an error.
        layout: ``'folders'`` (one folder per sequence) or ``'flat'`` (``<seq>_<frame>`` file
            names in one folder, the DAVIS2SEG release).
    """

    METAINFO = dict(classes=('background', 'foreground'), palette=[[0, 0, 0], [255, 0, 0]])

    def __init__(self, data_root: str = '', data_prefix: dict | None = None, ann_file: str = '',
                 sequences: Sequence[str] | None = None, img_suffix: str = '.jpg',
                 flow_suffix: str = '.jpg', seg_map_suffix: str = '.png',
                 annotated_only: bool = False, layout: str = 'folders', **kwargs):
        if layout not in ('folders', 'flat'):
            raise ValueError(f"layout must be 'folders' or 'flat', got {layout!r}")
        self.sequences = list(sequences) if sequences is not None else None
        self.flow_suffix = flow_suffix
        self.annotated_only = annotated_only
        self.layout = layout
        data_prefix = dict(data_prefix or self.default_prefix())
        self._has_masks = bool(data_prefix.get('seg_map_path'))
        data_prefix['seg_map_path'] = data_prefix.get('seg_map_path') or ''
        super().__init__(ann_file=ann_file, img_suffix=img_suffix,
                         seg_map_suffix=seg_map_suffix, data_root=data_root,
                         data_prefix=data_prefix, **kwargs)

    @classmethod
    def default_prefix(cls) -> dict:
        return dict(img_path='JPEGImages', flow_path='FlowImages', seg_map_path='Annotations')

    def expected_tree(self) -> str:
        p = self.data_prefix
        return (f"{self.data_root}/\n  {p.get('img_path')}/<sequence>/<frame>{self.img_suffix}\n"
                f"  {p.get('flow_path')}/<sequence>/<frame>{self.flow_suffix}\n"
                f"  {p.get('seg_map_path')}/<sequence>/<frame>{self.seg_map_suffix}")

    # ------------------------------------------------------------------ listing
    def _frames_by_sequence(self, img_dir: str) -> dict[str, list[str]]:
        """{sequence: sorted frame stems} for the configured layout."""
        if self.layout == 'flat':
            out: dict[str, list[str]] = {}
            for f in _list_files(img_dir, self.img_suffix):
                stem = f[:-len(self.img_suffix)]
                if '_' not in stem:
                    raise ValueError(f'{osp.join(img_dir, f)}: flat layout needs '
                                     '<sequence>_<frame> file names')
                seq, frame = stem.rsplit('_', 1)
                out.setdefault(seq, []).append(frame)
            return {k: sorted(v) for k, v in sorted(out.items())}
        return {seq: [f[:-len(self.img_suffix)]
                      for f in _list_files(osp.join(img_dir, seq), self.img_suffix)]
                for seq in _sequence_dirs(img_dir, self.img_suffix)}

    def _path(self, folder: str, seq: str, frame: str, suffix: str) -> str:
        if self.layout == 'flat':
            return osp.join(folder, f'{seq}_{frame}{suffix}')
        return osp.join(folder, seq, f'{frame}{suffix}')

    def _masks_of(self, ann_dir: str, seq: str) -> list[str]:
        if self.layout == 'flat':
            prefix = f'{seq}_'
            return sorted(f[len(prefix):-len(self.seg_map_suffix)]
                          for f in _list_files(ann_dir, self.seg_map_suffix)
                          if f.startswith(prefix) and '_' not in f[len(prefix):])
        return [f[:-len(self.seg_map_suffix)]
                for f in _list_files(osp.join(ann_dir, seq), self.seg_map_suffix)]

    def load_data_list(self) -> list[dict]:
        img_dir = self.data_prefix.get('img_path', '')
        flow_dir = self.data_prefix.get('flow_path', '')
        ann_dir = self.data_prefix['seg_map_path'] if self._has_masks else None
        if not osp.isdir(img_dir):
            raise FileNotFoundError(f'{type(self).__name__}: frame folder {img_dir!r} not found. '
                                    f'Expected:\n{self.expected_tree()}')
        frames = self._frames_by_sequence(img_dir)
        if not frames:
            raise FileNotFoundError(f'{type(self).__name__}: no *{self.img_suffix} frames under '
                                    f'{img_dir!r}. Expected:\n{self.expected_tree()}')
        wanted = self.sequences
        if self.ann_file:
            if not osp.isfile(self.ann_file):
                raise FileNotFoundError(f'split file {self.ann_file!r} not found. '
                                        f'Expected:\n{self.expected_tree()}')
            split = _read_split(self.ann_file)
            wanted = [s for s in split if wanted is None or s in wanted]
        if wanted is not None:
            unknown = [s for s in wanted if s not in frames]
            if unknown:
                raise KeyError(f'unknown sequence name(s) {unknown} for {img_dir!r}; available: '
                               f'{sorted(frames)}')
        else:
            wanted = list(frames)
        data_list = []
        for seq in wanted:
            stems = frames[seq]
            masks = set(self._masks_of(ann_dir, seq)) if ann_dir else None
            if masks is not None:
                extra = sorted(masks - set(stems))
                if extra:
                    raise ValueError(f'sequence {seq!r}: masks without a frame: {extra[:5]} '
                                     f'(in {ann_dir!r}); every mask needs its frame')
                if not self.annotated_only and len(masks) != len(stems):
                    raise ValueError(
                        f'sequence {seq!r}: {len(stems)} frames but {len(masks)} masks in '
                        f'{ann_dir!r}. A dense benchmark needs one mask per frame; for sparse '
                        'annotations set annotated_only=True.')
            for index, stem in enumerate(stems):
                if masks is not None and self.annotated_only and stem not in masks:
                    continue
                img_path = self._path(img_dir, seq, stem, self.img_suffix)
                flow_path = self._path(flow_dir, seq, stem, self.flow_suffix)
                if not osp.isfile(flow_path):
                    raise FileNotFoundError(
                        f'frame {img_path} has no flow image {flow_path}. Every frame needs a '
                        'flow image with the same name (render the flow of each frame, '
                        'e.g. with RAFT, as a colour-wheel image).')
                data_list.append(dict(
                    img_path=img_path, flow_path=flow_path,
                    seg_map_path=(self._path(ann_dir, seq, stem, self.seg_map_suffix)
                                  if masks is not None else None),
                    seq_name=seq, frame_name=stem, frame_index=index, num_frames=len(stems),
                    label_map=self.label_map, reduce_zero_label=self.reduce_zero_label,
                    seg_fields=[]))
        return data_list


@DATASETS.register_module()
class DAVIS2016FrameFlowDataset(VOSFrameFlowDataset):
    """DAVIS-2016 in its official layout plus ``FlowImages/480p`` (see the module docstring).

    Use ``ann_file='ImageSets/2016/val.txt'`` (or the DAVIS-2016 ``ImageSets/480p/val.txt``).
    """

    @classmethod
    def default_prefix(cls) -> dict:
        return dict(img_path='JPEGImages/480p', flow_path='FlowImages/480p',
                    seg_map_path='Annotations/480p')

    def expected_tree(self) -> str:
        return davis2016_tree(self.data_root)


@DATASETS.register_module()
class DAVIS2SEGFrameFlowDataset(VOSFrameFlowDataset):
    """The official HFAN processed release: ``frame|flow|mask/<split>/<seq>_<frame>.*``."""

    def __init__(self, split: str = 'val', **kwargs):
        kwargs.setdefault('layout', 'flat')
        kwargs.setdefault('data_prefix', dict(img_path=f'frame/{split}',
                                              flow_path=f'flow/{split}',
                                              seg_map_path=f'mask/{split}'))
        super().__init__(**kwargs)

    def expected_tree(self) -> str:
        p = self.data_prefix
        return (f"{self.data_root}/\n  {p['img_path']}/<seq>_<frame>.jpg\n"
                f"  {p['flow_path']}/<seq>_<frame>.jpg\n  {p['seg_map_path']}/<seq>_<frame>.png")


@DATASETS.register_module()
class YouTubeObjectsFrameFlowDataset(VOSFrameFlowDataset):
    """YouTube-Objects: ``<category>/<video>`` sequences, sparse masks (annotated frames only)."""

    def __init__(self, **kwargs):
        kwargs.setdefault('annotated_only', True)
        super().__init__(**kwargs)


@DATASETS.register_module()
class LongVideosFrameFlowDataset(VOSFrameFlowDataset):
    """Long-Videos: 3 long sequences, 20 annotated frames each (annotated frames only)."""

    def __init__(self, **kwargs):
        kwargs.setdefault('annotated_only', True)
        super().__init__(**kwargs)


@TRANSFORMS.register_module()
class LoadFrameAndFlow(BaseTransform):
    """Load the frame and its flow image and stack them on channels: ``H x W x 6`` (BGR, BGR).

    Adds ``img``, ``img_shape``, ``ori_shape``. Frame and flow must have the same size.
    """

    def __init__(self, to_float32: bool = False):
        self.to_float32 = to_float32

    def transform(self, results: dict) -> dict:
        frame = imread(results['img_path'])
        flow = imread(results['flow_path'])
        if frame.shape != flow.shape:
            raise ValueError(f"frame {results['img_path']} is {frame.shape[:2]} but its flow "
                             f"image {results['flow_path']} is {flow.shape[:2]}; they must match")
        img = np.concatenate([frame, flow], axis=-1)
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results


@TRANSFORMS.register_module()
class LoadBinaryMask(BaseTransform):
    """Load a VOS mask as {0: background, 1: object} (any value > 0 is the object).

    DAVIS-2016 masks are 0 / 255, DAVIS-2017 ones palette indices; both become binary. A mask
    whose size differs from its frame's (``ori_shape``, set by :class:`LoadFrameAndFlow`) is an
    error naming both files and both sizes, in training and at test alike.
    """

    def transform(self, results: dict) -> dict:
        path = results.get('seg_map_path')
        if path is None:
            raise ValueError(f"frame {results.get('img_path')} has no mask; use a pipeline "
                             'without LoadBinaryMask for unannotated frames')
        mask = imread(path, flag='unchanged')
        if mask.ndim == 3:
            mask = mask.max(axis=-1)
        frame_shape = results.get('ori_shape')
        if frame_shape is not None and tuple(mask.shape[:2]) != tuple(frame_shape[:2]):
            (mh, mw), (fh, fw) = mask.shape[:2], frame_shape[:2]
            raise ValueError(
                f'mask {path} is {mw} x {mh} (W x H) but its frame {results.get("img_path")} '
                f'is {fw} x {fh}: a mask must have the size of its frame (wrong file, or the '
                'frames were resized without their masks, e.g. 480p frames with full-resolution '
                'annotations).')
        results['gt_seg_map'] = (mask > 0).astype(np.uint8)
        results.setdefault('seg_fields', []).append('gt_seg_map')
        return results


# =========================================================================================
# Frame pairs in the official HGPU / HCPN layouts (issue 14)
# =========================================================================================
#
# One sample = the pair (frame k, frame k+1) of a video, the optical-flow image between them,
# the HED edge map of each frame, the mask of each frame and (HCPN) the contour ground truth of
# each frame. Layouts read by the official ``libs/dataset/dataloader.py`` of both repositories
# (paths from ``libs/utils/config_davis.py`` / ``config_youtubevos.py``):
#
#     DAVIS (2016 sequences; the DAVIS-2017 trainval download, as the official README says)
#     <root>/JPEGImages/480p/<seq>/00000.jpg ...
#     <root>/Annotations/480p/<seq>/00000.png ...      (> 0 = object)
#     <root>/Annotations_ctr/480p/<seq>/00000.png ...  (HCPN contour ground truth, 0 / 255)
#     <root>/davis-flow/<seq>/00000_00001.png ...      (n - 1 flow images: <k>_<k+1>.png)
#     <root>/davis-hed/<seq>/00000.jpg ...             (HED edge map per frame, 255 = edge)
#     <root>/ImageSets/2016/{train,val}.txt
#
#     YouTube-VOS 2018 train (pre-training; every object merged into the foreground)
#     <root>/train/JPEGImages/<video>/00000.jpg ...
#     <root>/train/Annotations/<video>/00000.png ...
#     <root>/train/Annotations_ctr/<video>/00000.png ...
#     <root>/train/YouTube-flow/<video>/00000_00005.png ...
#     <root>/train/YouTubeVOS_2018-hed/<video>/00000.jpg ...  (the READMEs call it YouTube-hed)
#     <root>/train/meta.json                                   (the videos: its "videos" keys)
#
# The official loader lists the files of each folder, sorted, and pairs them by position
# (``print_list_davis``: frames (0, 1), (1, 2), ..., flows 0, 1, ...), checking only the total
# counts over all videos; a video whose flow folder has another count silently shifts every
# later pair. Here every video must have exactly n - 1 flow images (and, when the flow names are
# ``<a>_<b>``, a and b must be the pair's frames), and every frame its mask, HED map and contour
# (same stem), or the data set raises an error naming the video or the file.

def frame_pair_tree(root: str, prefix: dict, suffixes: dict) -> str:
    """The expected frame-pair tree under ``root`` (for error messages)."""
    lines = [f'{root}/']
    notes = {'img_path': '(frames)', 'seg_map_path': '(masks, > 0 = object)',
             'flow_path': '(n - 1 flow images per video: <frame k>_<frame k+1>)',
             'hed_path': '(HED edge map per frame)', 'contour_path': '(contour ground truth)'}
    for key in ('img_path', 'seg_map_path', 'contour_path', 'flow_path', 'hed_path'):
        if prefix.get(key):
            rel = osp.relpath(prefix[key], root) if osp.isabs(prefix[key]) else prefix[key]
            stem = '00000_00001' if key == 'flow_path' else '00000'
            lines.append(f'  {rel}/<video>/{stem}{suffixes[key]} ...  {notes[key]}')
    return '\n'.join(lines)


@DATASETS.register_module()
class VOSFramePairDataset(BaseSegDataset):
    """Consecutive frame pairs with flow, HED maps, masks and contours (layouts above).

    Args:
        data_root: Root of the data set.
        data_prefix: Folders relative to ``data_root``: ``img_path``, ``seg_map_path`` (masks;
            '' / None: no masks, inference), ``flow_path``, ``hed_path`` ('' / None: no HED
            maps), ``contour_path`` ('' / None: no contours).
        ann_file: Optional split file (sequence names, one per line, or DAVIS path pairs).
        meta_file: Optional YouTube-VOS ``meta.json`` (the videos are its ``"videos"`` keys).
        sequences: Optional explicit sequence names.
        single_object: Passed to the samples: :class:`LoadFramePairAnnotations` then rejects a
            mask with more than two values (DAVIS-16: one object per video).
        img_suffix, seg_map_suffix, flow_suffix, hed_suffix, contour_suffix: File endings
            (official: .jpg, .png, .png, .jpg, .png).

    Each data info: ``img_path``, ``img2_path``, ``flow_path``, ``seg_map_path``,
    ``seg_map2_path``, ``hed_path``, ``hed2_path``, ``contour_path``, ``contour2_path`` (None
    where not configured), ``seq_name``, ``frame_name`` / ``frame2_name`` (file stems),
    ``frame_index`` (k), ``num_frames`` (n), ``is_last_pair`` (k = n - 2; the official test
    writes frame n - 1 from the second output of the last pair), ``single_object``.
    """

    METAINFO = dict(classes=('background', 'foreground'), palette=[[0, 0, 0], [255, 0, 0]])
    KEYS = ('img_path', 'seg_map_path', 'flow_path', 'hed_path', 'contour_path')

    def __init__(self, data_root: str = '', data_prefix: dict | None = None, ann_file: str = '',
                 meta_file: str = '', sequences: Sequence[str] | None = None,
                 single_object: bool = False, img_suffix: str = '.jpg',
                 seg_map_suffix: str = '.png', flow_suffix: str = '.png',
                 hed_suffix: str = '.jpg', contour_suffix: str = '.png', **kwargs):
        prefix = dict(self.default_prefix())
        prefix.update(data_prefix or {})
        unknown = set(prefix) - set(self.KEYS)
        if unknown:
            raise KeyError(f'{type(self).__name__}: unknown data_prefix key(s) {sorted(unknown)}; '
                           f'known: {list(self.KEYS)}')
        self._enabled = {k: bool(prefix.get(k)) for k in self.KEYS}
        for key in self.KEYS:
            prefix[key] = prefix.get(key) or ''
        self.sequences = list(sequences) if sequences is not None else None
        self.meta_file = meta_file
        self.single_object = single_object
        self.suffixes = dict(img_path=img_suffix, seg_map_path=seg_map_suffix,
                             flow_path=flow_suffix, hed_path=hed_suffix,
                             contour_path=contour_suffix)
        super().__init__(ann_file=ann_file, img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         data_root=data_root, data_prefix=prefix, **kwargs)

    @classmethod
    def default_prefix(cls) -> dict:
        return dict(img_path='JPEGImages/480p', seg_map_path='Annotations/480p',
                    flow_path='davis-flow', hed_path='davis-hed', contour_path=None)

    def expected_tree(self) -> str:
        prefix = {k: v for k, v in self.data_prefix.items() if self._enabled.get(k)}
        return frame_pair_tree(self.data_root, prefix, self.suffixes)

    def _missing(self, what: str) -> FileNotFoundError:
        return FileNotFoundError(f'{type(self).__name__}: {what}. Expected:\n'
                                 f'{self.expected_tree()}')

    def _wanted_sequences(self, img_dir: str) -> list[str]:
        available = _sequence_dirs(img_dir, self.suffixes['img_path'])
        wanted = self.sequences
        if self.meta_file:
            meta = self.meta_file if osp.isabs(self.meta_file) else osp.join(self.data_root,
                                                                             self.meta_file)
            if not osp.isfile(meta):
                raise self._missing(f'meta file {meta!r} not found')
            import json
            with open(meta) as f:
                videos = list(json.load(f).get('videos', {}))
            wanted = [v for v in videos if wanted is None or v in wanted]
        if self.ann_file:
            if not osp.isfile(self.ann_file):
                raise self._missing(f'split file {self.ann_file!r} not found')
            split = _read_split(self.ann_file)
            wanted = [s for s in split if wanted is None or s in wanted]
        if wanted is None:
            return available
        unknown = [s for s in wanted if s not in available]
        if unknown:
            raise KeyError(f'{type(self).__name__}: sequence(s) {unknown[:5]} have no frames '
                           f'(*{self.suffixes["img_path"]}) under {img_dir!r}; available: '
                           f'{available[:10]}{" ..." if len(available) > 10 else ""}')
        return wanted

    def _per_frame(self, key: str, seq: str, stems: list[str]) -> list[str | None]:
        if not self._enabled[key]:
            return [None] * len(stems)
        folder = osp.join(self.data_prefix[key], seq)
        paths = [osp.join(folder, s + self.suffixes[key]) for s in stems]
        for stem, path in zip(stems, paths):
            if not osp.isfile(path):
                what = {'seg_map_path': 'mask', 'hed_path': 'HED map',
                        'contour_path': 'contour map'}[key]
                raise self._missing(f'video {seq!r}: frame {stem!r} has no {what} {path}')
        return paths

    def _flows(self, seq: str, stems: list[str]) -> list[str]:
        folder = osp.join(self.data_prefix['flow_path'], seq)
        suffix = self.suffixes['flow_path']
        if not osp.isdir(folder):
            raise self._missing(f'video {seq!r} has no flow folder {folder!r}')
        names = _list_files(folder, suffix)
        if len(names) != len(stems) - 1:
            raise ValueError(
                f'video {seq!r}: {len(stems)} frames but {len(names)} flow images in {folder!r}; '
                f'a video of n frames needs n - 1 flow images, one per consecutive pair '
                f'(<frame k>_<frame k+1>{suffix}, the official RAFT script\'s names)')
        for k, name in enumerate(names):
            parts = name[:-len(suffix)].split('_')
            if len(parts) == 2 and (parts[0], parts[1]) != (stems[k], stems[k + 1]):
                raise ValueError(f'video {seq!r}: flow image {osp.join(folder, name)} is not the '
                                 f'flow of pair {k} ({stems[k]}, {stems[k + 1]}); expected '
                                 f'{stems[k]}_{stems[k + 1]}{suffix}')
        return [osp.join(folder, n) for n in names]

    def load_data_list(self) -> list[dict]:
        img_dir = self.data_prefix['img_path']
        for key in self.KEYS:
            if self._enabled[key] and not osp.isdir(self.data_prefix[key]):
                raise self._missing(f'folder {self.data_prefix[key]!r} ({key}) not found')
        data_list = []
        for seq in self._wanted_sequences(img_dir):
            stems = [f[:-len(self.suffixes['img_path'])]
                     for f in _list_files(osp.join(img_dir, seq), self.suffixes['img_path'])]
            if len(stems) < 2:
                raise ValueError(f'video {seq!r}: {len(stems)} frame(s) in '
                                 f'{osp.join(img_dir, seq)!r}; frame pairs need at least 2')
            frames = [osp.join(img_dir, seq, s + self.suffixes['img_path']) for s in stems]
            flows = self._flows(seq, stems)
            masks = self._per_frame('seg_map_path', seq, stems)
            heds = self._per_frame('hed_path', seq, stems)
            contours = self._per_frame('contour_path', seq, stems)
            n = len(stems)
            for k in range(n - 1):
                data_list.append(dict(
                    img_path=frames[k], img2_path=frames[k + 1], flow_path=flows[k],
                    seg_map_path=masks[k], seg_map2_path=masks[k + 1],
                    hed_path=heds[k], hed2_path=heds[k + 1],
                    contour_path=contours[k], contour2_path=contours[k + 1],
                    seq_name=seq, frame_name=stems[k], frame2_name=stems[k + 1],
                    frame_index=k, num_frames=n, is_last_pair=k == n - 2,
                    single_object=self.single_object, label_map=self.label_map,
                    reduce_zero_label=self.reduce_zero_label, seg_fields=[]))
        if not data_list:
            raise self._missing(f'no video with frames under {img_dir!r}')
        return data_list


@DATASETS.register_module()
class DAVIS16FramePairDataset(VOSFramePairDataset):
    """DAVIS-2016 frame pairs in the official HGPU / HCPN layout (``davis-flow``, ``davis-hed``,
    HCPN's ``Annotations_ctr/480p`` with ``with_contour=True``); the split file
    ``ImageSets/2016/<split>.txt`` unless ``ann_file`` is given. One object per video
    (``single_object=True``)."""

    def __init__(self, split: str = 'train', with_contour: bool = False, **kwargs):
        kwargs.setdefault('ann_file', f'ImageSets/2016/{split}.txt')
        kwargs.setdefault('single_object', True)
        if with_contour:
            prefix = dict(kwargs.get('data_prefix') or {})
            prefix.setdefault('contour_path', 'Annotations_ctr/480p')
            kwargs['data_prefix'] = prefix
        super().__init__(**kwargs)

    def expected_tree(self) -> str:
        return super().expected_tree() + '\n  ImageSets/2016/train.txt, val.txt  (sequence names)'


@DATASETS.register_module()
class YouTubeVOSFramePairDataset(VOSFramePairDataset):
    """YouTube-VOS 2018 train frame pairs for the pre-training stage (official layout; every
    object of a mask merged into the foreground). Videos: ``train/meta.json`` when present
    (``meta_file=''`` to use every folder)."""

    def __init__(self, with_contour: bool = False, **kwargs):
        data_root = kwargs.get('data_root', '')
        if 'meta_file' not in kwargs and osp.isfile(osp.join(data_root, 'train/meta.json')):
            kwargs['meta_file'] = 'train/meta.json'
        if with_contour:
            prefix = dict(kwargs.get('data_prefix') or {})
            prefix.setdefault('contour_path', 'train/Annotations_ctr')
            kwargs['data_prefix'] = prefix
        super().__init__(**kwargs)

    @classmethod
    def default_prefix(cls) -> dict:
        return dict(img_path='train/JPEGImages', seg_map_path='train/Annotations',
                    flow_path='train/YouTube-flow', hed_path='train/YouTubeVOS_2018-hed',
                    contour_path=None)


def check_davis16_pairs(data_root: str, split: str = 'train', with_contour: bool = False) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if the DAVIS-16 frame-pair layout
    (official HGPU / HCPN) is not under ``data_root``."""
    needed = ['JPEGImages/480p', 'Annotations/480p', 'davis-flow', 'davis-hed',
              f'ImageSets/2016/{split}.txt'] + (['Annotations_ctr/480p'] if with_contour else [])
    missing = [p for p in needed if not osp.exists(osp.join(data_root, p))]
    if missing:
        prefix = DAVIS16FramePairDataset.default_prefix()
        if with_contour:
            prefix['contour_path'] = 'Annotations_ctr/480p'
        suffixes = dict(img_path='.jpg', seg_map_path='.png', flow_path='.png',
                        hed_path='.jpg', contour_path='.png')
        raise FileNotFoundError(
            f'DAVIS-16 frame pairs not found at {data_root!r} (missing: {missing}). Expected:\n'
            f'{frame_pair_tree(data_root, prefix, suffixes)}\n'
            '  ImageSets/2016/train.txt, val.txt  (sequence names)\n'
            'DAVIS from https://davischallenge.org; the flow images (RAFT), HED maps and '
            'contours from the links of the official HGPU / HCPN READMEs.')


def _read_rgb(path: str) -> np.ndarray:
    return np.ascontiguousarray(imread(path)[..., ::-1])


def _read_gray(path: str) -> np.ndarray:
    img = imread(path, flag='unchanged')
    return img.max(axis=-1) if img.ndim == 3 else img


@TRANSFORMS.register_module()
class LoadFramePair(BaseTransform):
    """Load frame k, frame k+1 and the flow image as RGB and stack them: ``img`` is
    ``H x W x 9`` uint8 (frame 1, frame 2, flow), as the official code feeds three RGB tensors
    (ImageNet-normalise all nine channels in the data preprocessor, flow included). Adds
    ``img_shape``, ``ori_shape``. The three images must have one size (error naming them)."""

    def __init__(self, to_float32: bool = False):
        self.to_float32 = to_float32

    def transform(self, results: dict) -> dict:
        paths = [results['img_path'], results['img2_path'], results['flow_path']]
        images = [_read_rgb(p) for p in paths]
        sizes = [im.shape[:2] for im in images]
        if len(set(sizes)) != 1:
            raise ValueError(f'video {results.get("seq_name")!r}: frame, next frame and flow '
                             f'image differ in size {sizes} ({paths}); they must match')
        img = np.concatenate(images, axis=-1)
        results['img'] = img.astype(np.float32) if self.to_float32 else img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results


@TRANSFORMS.register_module()
class LoadFramePairAnnotations(BaseTransform):
    """Masks, HED maps, hard-negative maps and contours of both frames of a pair.

    Adds (``H x W`` arrays, all listed in ``seg_fields`` so mmseg's ``Resize`` / ``RandomFlip``
    treat them as maps, nearest-neighbour as the official loader):

    - ``gt_seg_map``, ``gt_seg_map2``: uint8 {0, 1} (any mask value > 0 is the object; all
      YouTube-VOS objects merged, as officially);
    - ``gt_hed``, ``gt_hed2`` (``with_hed``): float32 HED maps, 0..255;
    - ``gt_hard_negative``, ``gt_hard_negative2`` (``with_hed``): float32 MATNet map ``n`` of
      :func:`cvshared.vos.losses.hard_negative_map`, computed at the original resolution before
      any resize as the official loader does; ``bytescale=True`` (default) applies the
      official min-max uint8 rescale (``scipy.misc.imresize``); the loss weight is ``1 + n``;
    - ``gt_contour``, ``gt_contour2`` (``with_contour``): float32 contour ground truth in
      [0, 1] (file / 255). ``contour2_from_frame1=True`` reproduces the official HCPN loader's
      bug (``ctr2 = cv2.imread(contour_file1)``: the second frame gets the first frame's
      contour).

    With ``single_object`` (from the data info, True for DAVIS-16) a mask with more than two
    distinct values is an error naming the video and the file. Every map must have the size of
    the frames.
    """

    def __init__(self, with_hed: bool = True, with_contour: bool = False,
                 bytescale: bool = True, dilate_mask: int = 11, dilate_neg: int = 5,
                 contour2_from_frame1: bool = False):
        self.with_hed = with_hed
        self.with_contour = with_contour
        self.bytescale = bytescale
        self.dilate_mask = dilate_mask
        self.dilate_neg = dilate_neg
        self.contour2_from_frame1 = contour2_from_frame1

    def _map(self, results: dict, key: str, what: str) -> np.ndarray:
        path = results.get(key)
        if path is None:
            raise ValueError(f'video {results.get("seq_name")!r}, frame pair '
                             f'{results.get("frame_index")}: no {what} configured ({key}); set '
                             f'the data set\'s data_prefix or disable it in this transform')
        img = _read_gray(path)
        shape = results.get('ori_shape')
        if shape is not None and tuple(img.shape[:2]) != tuple(shape[:2]):
            raise ValueError(f'video {results.get("seq_name")!r}: {what} {path} is '
                             f'{img.shape[1]} x {img.shape[0]} (W x H) but the frames are '
                             f'{shape[1]} x {shape[0]}; they must match')
        return img

    def transform(self, results: dict) -> dict:
        import torch

        from ..vos.losses import hard_negative_map
        fields = results.setdefault('seg_fields', [])
        masks = []
        for suffix in ('', '2'):
            mask = self._map(results, f'seg_map{suffix}_path', 'mask')
            if results.get('single_object') and len(np.unique(mask)) > 2:
                raise ValueError(
                    f'video {results.get("seq_name")!r}: mask {results[f"seg_map{suffix}_path"]} '
                    f'has {len(np.unique(mask))} labels {np.unique(mask)[:6].tolist()}; this data '
                    'set expects one object (0 = background, one foreground value). Multi-object '
                    'masks (DAVIS-17) belong to another data set.')
            masks.append((mask > 0).astype(np.uint8))
            results[f'gt_seg_map{suffix}'] = masks[-1]
            fields.append(f'gt_seg_map{suffix}')
        if self.with_hed:
            for suffix, mask in zip(('', '2'), masks):
                hed = self._map(results, f'hed{suffix}_path', 'HED map').astype(np.float32)
                n = hard_negative_map(torch.from_numpy(mask), torch.from_numpy(hed),
                                      self.dilate_mask, self.dilate_neg,
                                      bytescale=self.bytescale)
                results[f'gt_hed{suffix}'] = hed
                results[f'gt_hard_negative{suffix}'] = n.numpy()
                fields += [f'gt_hed{suffix}', f'gt_hard_negative{suffix}']
        if self.with_contour:
            for suffix in ('', '2'):
                key = 'contour_path' if (suffix == '' or self.contour2_from_frame1) \
                    else 'contour2_path'
                ctr = self._map(results, key, 'contour map').astype(np.float32) / 255.0
                results[f'gt_contour{suffix}'] = ctr
                fields.append(f'gt_contour{suffix}')
        return results


@TRANSFORMS.register_module()
class PackFramePairInputs(BaseTransform):
    """Pack a frame pair for mmseg: ``inputs`` = ``9 x H x W`` tensor of ``img``; one
    ``SegDataSample`` with

    - ``gt_sem_seg`` / ``gt_sem_seg2``: ``PixelData`` (1 x H x W, int64) of the two masks;
    - ``gt_hed`` / ``gt_hed2``, ``gt_hard_negative`` / ``gt_hard_negative2``, ``gt_contour`` /
      ``gt_contour2``: ``PixelData`` (1 x H x W, float32), where loaded;
    - metainfo: ``meta_keys`` present in the results (paths, ``seq_name``, ``frame_index``,
      ``frame_name``, ``frame2_name``, ``num_frames``, ``is_last_pair``, shapes, flip; the
      evaluation data sets below add ``pair_index``, ``eval_frame_name``, ``annotated``).
    """

    FIELDS = {'gt_seg_map': 'gt_sem_seg', 'gt_seg_map2': 'gt_sem_seg2', 'gt_hed': 'gt_hed',
              'gt_hed2': 'gt_hed2', 'gt_hard_negative': 'gt_hard_negative',
              'gt_hard_negative2': 'gt_hard_negative2', 'gt_contour': 'gt_contour',
              'gt_contour2': 'gt_contour2'}

    def __init__(self, meta_keys: Sequence[str] = (
            'img_path', 'img2_path', 'flow_path', 'seg_map_path', 'seg_map2_path', 'seq_name',
            'frame_index', 'frame_name', 'frame2_name', 'num_frames', 'is_last_pair',
            'ori_shape', 'img_shape', 'pad_shape', 'scale_factor', 'flip', 'flip_direction',
            'reduce_zero_label', 'pair_index', 'eval_frame_name', 'annotated')):
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        import torch
        from mmengine.structures import PixelData
        from mmseg.structures import SegDataSample
        img = results['img']
        if img.ndim != 3 or img.shape[-1] != 9:
            raise ValueError(f'PackFramePairInputs expects an H x W x 9 frame-pair image, got '
                             f'{img.shape}; load it with LoadFramePair')
        inputs = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
        sample = SegDataSample()
        for key, name in self.FIELDS.items():
            if key not in results:
                continue
            data = torch.from_numpy(np.ascontiguousarray(results[key]))[None]
            data = data.long() if key.startswith('gt_seg_map') else data.float()
            sample.set_field(PixelData(data=data), name)
        sample.set_metainfo({k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs=inputs, data_samples=sample)


__all__ += ['VOSFramePairDataset', 'DAVIS16FramePairDataset', 'YouTubeVOSFramePairDataset',
            'LoadFramePair', 'LoadFramePairAnnotations', 'PackFramePairInputs',
            'check_davis16_pairs', 'frame_pair_tree']


# =========================================================================================
# Frame-pair evaluation benchmarks of HGPU / HCPN: one sample per EVALUATED FRAME
# =========================================================================================
#
# The official test scripts (HGPU ``test_HGPU.py``, HCPN ``test.py``) only read DAVIS-16:
# ``<images>/<video>/*.jpg`` and ``<flows>/<video>/*.png`` (n - 1 flow images, sorted), pairs
# (0, 1), (1, 2), ..., and save both masks of each pair; the next pair overwrites frame k + 1,
# so frame t < n - 1 ends up predicted by pair t (its first mask) and frame n - 1 by pair
# n - 2 (its second mask). The other benchmarks come with no script and no lists in either
# repository (only pre-computed result masks), so we read the benchmarks' usual per-video
# layouts with the same per-video flow convention (n - 1 images ``<frame k>_<frame k+1>.png``):
#
#     YouTube-Objects (10 categories, sparse masks)    Long-Videos / FBMS (sparse masks)
#     <root>/JPEGImages/<category>/<video>/*.jpg       <root>/JPEGImages/<video>/*.jpg
#     <root>/Annotations/<category>/<video>/*.png      <root>/Annotations/<video>/*.png
#     <root>/flow/<category>/<video>/<k>_<k+1>.png     <root>/flow/<video>/<k>_<k+1>.png
#
#     DAVIS-17 unsupervised (DAVIS-2017-Unsupervised-trainval-480p, dense instance masks)
#     <root>/JPEGImages/480p/<video>/*.jpg
#     <root>/Annotations_unsupervised/480p/<video>/*.png
#     <root>/davis-flow/<video>/<k>_<k+1>.png
#     <root>/ImageSets/2017/val.txt
#
# Sample for frame t of an n-frame video: the pair k = min(t, n - 2), ``pair_index`` = 0
# (t < n - 1) or 1 (t = n - 1: the second mask of the last pair, as officially); ``img_path``,
# ``img2_path``, ``flow_path`` of pair k; ``frame_index`` = t (the metric's key), frame names
# ``frame_name`` / ``frame2_name`` of the pair, ``eval_frame_name`` = stem of frame t (the
# file name to save the prediction as); ``seg_map_path`` = frame t's mask or None;
# ``annotated``. Sparse benchmarks: with ``annotated_only=True`` (default, the convention of
# :class:`YouTubeObjectsFrameFlowDataset`) only annotated frames are samples, so
# :class:`cvshared.metrics.davis.DAVISJFMetric` scores exactly those; ``annotated_only=False``
# lists every frame (to write all predictions): unannotated ones have ``seg_map_path=None``,
# ``annotated=False``, and :class:`LoadEvalFrameMask` loads no ground truth for them, so
# their packed sample has no ``gt_sem_seg``.

#: The 10 YouTube-Objects categories (folder names of the usual release).
YOUTUBE_OBJECTS_CATEGORIES = ('aeroplane', 'bird', 'boat', 'car', 'cat', 'cow', 'dog', 'horse',
                              'motorbike', 'train')


@DATASETS.register_module()
class VOSFramePairEvalDataset(VOSFramePairDataset):
    """Frame-pair test data, one sample per evaluated frame (block comment above).

    Args:
        annotated_only: only frames with a mask are samples (the scored frames). False lists
            every frame; unannotated ones carry ``seg_map_path=None``, ``annotated=False``.
        dense: every frame must have its mask (DAVIS); a differing count is an error.
        **kwargs: as :class:`VOSFramePairDataset` (``data_prefix`` keys ``img_path``,
            ``seg_map_path``, ``flow_path``; HED maps and contours are not used at test).
    """

    def __init__(self, annotated_only: bool = True, dense: bool = False, **kwargs):
        self.annotated_only = annotated_only
        self.dense = dense
        super().__init__(**kwargs)

    @classmethod
    def default_prefix(cls) -> dict:
        return dict(img_path='JPEGImages', seg_map_path='Annotations', flow_path='flow',
                    hed_path=None, contour_path=None)

    def _eval_flows(self, seq: str, stems: list[str]) -> list[str]:
        folder = osp.join(self.data_prefix['flow_path'], seq)
        suffix = self.suffixes['flow_path']
        if not osp.isdir(folder):
            raise self._missing(f'video {seq!r} has no flow folder {folder!r}')
        names = _list_files(folder, suffix)
        expected = [f'{stems[k]}_{stems[k + 1]}{suffix}' for k in range(len(stems) - 1)]
        if all(len(n[:-len(suffix)].split('_')) == 2 for n in names) and names != expected:
            absent = [e for e in expected if e not in names]
            if absent:
                raise self._missing(f'video {seq!r}: flow image {osp.join(folder, absent[0])} '
                                    f'not found ({len(absent)} of {len(expected)} missing)')
        return self._flows(seq, stems)  # count and pairing checks

    def _mask_stems(self, seq: str, stems: list[str]) -> set[str] | None:
        if not self._enabled['seg_map_path']:
            return None
        folder = osp.join(self.data_prefix['seg_map_path'], seq)
        if not osp.isdir(folder):
            raise self._missing(f'video {seq!r} has no mask folder {folder!r}')
        suffix = self.suffixes['seg_map_path']
        masks = {f[:-len(suffix)] for f in _list_files(folder, suffix)}
        extra = sorted(masks - set(stems))
        if extra:
            raise ValueError(f'video {seq!r}: masks without a frame: '
                             f'{[osp.join(folder, e + suffix) for e in extra[:3]]}')
        if not masks:
            raise self._missing(f'video {seq!r}: no *{suffix} mask in {folder!r}')
        if self.dense and len(masks) != len(stems):
            missing = sorted(set(stems) - masks)
            raise self._missing(f'video {seq!r}: {len(stems)} frames but {len(masks)} masks; '
                                f'a dense benchmark needs one per frame, e.g. '
                                f'{osp.join(folder, missing[0] + suffix)}')
        return masks

    def load_data_list(self) -> list[dict]:
        img_dir = self.data_prefix['img_path']
        for key in ('img_path', 'seg_map_path', 'flow_path'):
            if self._enabled[key] and not osp.isdir(self.data_prefix[key]):
                raise self._missing(f'folder {self.data_prefix[key]!r} ({key}) not found')
        data_list = []
        isuf, msuf = self.suffixes['img_path'], self.suffixes['seg_map_path']
        for seq in self._wanted_sequences(img_dir):
            stems = [f[:-len(isuf)] for f in _list_files(osp.join(img_dir, seq), isuf)]
            if len(stems) < 2:
                raise ValueError(f'video {seq!r}: {len(stems)} frame(s) in '
                                 f'{osp.join(img_dir, seq)!r}; frame pairs need at least 2')
            frames = [osp.join(img_dir, seq, s + isuf) for s in stems]
            flows = self._eval_flows(seq, stems)
            masks = self._mask_stems(seq, stems)
            n = len(stems)
            for t, stem in enumerate(stems):
                annotated = masks is not None and stem in masks
                if masks is not None and self.annotated_only and not annotated:
                    continue
                k = min(t, n - 2)
                data_list.append(dict(
                    img_path=frames[k], img2_path=frames[k + 1], flow_path=flows[k],
                    seg_map_path=(osp.join(self.data_prefix['seg_map_path'], seq, stem + msuf)
                                  if annotated else None),
                    seg_map2_path=None, hed_path=None, hed2_path=None, contour_path=None,
                    contour2_path=None, seq_name=seq, frame_name=stems[k],
                    frame2_name=stems[k + 1], eval_frame_name=stem, frame_index=t,
                    pair_index=int(t == n - 1), num_frames=n, is_last_pair=k == n - 2,
                    annotated=annotated, single_object=self.single_object,
                    label_map=self.label_map, reduce_zero_label=self.reduce_zero_label,
                    seg_fields=[]))
        if not data_list:
            raise self._missing(f'no annotated frame under {img_dir!r}')
        return data_list


@DATASETS.register_module()
class YouTubeObjectsFramePairDataset(VOSFramePairEvalDataset):
    """YouTube-Objects test pairs: ``<category>/<video>`` folders, sparse masks. Evaluate with
    ``DAVISJFMetric(ignore_first_last=False, group_depth=1)`` (mean over the categories, as
    both READMEs report). ``categories``: restrict to these categories; any category folder
    that is not one of :data:`YOUTUBE_OBJECTS_CATEGORIES` is an error unless
    ``check_categories=False``."""

    def __init__(self, categories: Sequence[str] | None = None, check_categories: bool = True,
                 **kwargs):
        self.categories = None if categories is None else list(categories)
        self.check_categories = check_categories
        super().__init__(**kwargs)

    def expected_tree(self) -> str:
        p = self.data_prefix
        return (f"{self.data_root}/\n"
                f"  {p['img_path']}/<category>/<video>/<frame>.jpg ...\n"
                f"  {p['seg_map_path']}/<category>/<video>/<frame>.png ...  "
                "(annotated frames only)\n"
                f"  {p['flow_path']}/<category>/<video>/<frame k>_<frame k+1>.png ...  "
                "(n - 1 flow images per video)\n"
                f"  categories: {', '.join(YOUTUBE_OBJECTS_CATEGORIES)}")

    def _wanted_sequences(self, img_dir: str) -> list[str]:
        seqs = super()._wanted_sequences(img_dir)
        flat = [s for s in seqs if '/' not in s]
        if flat:
            raise self._missing(f'video folder(s) {flat[:3]} directly under {img_dir!r}; '
                                'YouTube-Objects videos live in <category>/<video>')
        cats = sorted({s.split('/')[0] for s in seqs})
        if self.check_categories:
            unknown = [c for c in cats + (self.categories or [])
                       if c not in YOUTUBE_OBJECTS_CATEGORIES]
            if unknown:
                raise KeyError(f'unknown YouTube-Objects categor(y/ies) {unknown} under '
                               f'{img_dir!r}; known: {list(YOUTUBE_OBJECTS_CATEGORIES)} '
                               '(check_categories=False to allow others)')
        if self.categories is not None:
            absent = [c for c in self.categories if c not in cats]
            if absent:
                raise self._missing(f'categor(y/ies) {absent} have no video under {img_dir!r}')
            seqs = [s for s in seqs if s.split('/')[0] in self.categories]
        return seqs


@DATASETS.register_module()
class LongVideosFramePairDataset(VOSFramePairEvalDataset):
    """Long-Videos test pairs (HGPU): 3 videos, 20 annotated frames each; evaluate with
    ``DAVISJFMetric(ignore_first_last=False)``."""


@DATASETS.register_module()
class FBMSFramePairDataset(VOSFramePairEvalDataset):
    """FBMS test pairs (HCPN; the 30 test videos): per-video folders with the masks of the
    annotated frames only, named like their frames (the raw release's ``GroundTruth`` files
    must be converted to ``Annotations/<video>/<frame>.png``, any value > 0 = foreground);
    the metric is J (``DAVISJFMetric(ignore_first_last=False)``, key ``J-Mean``)."""


@DATASETS.register_module()
class DAVIS17UnsupervisedFramePairDataset(VOSFramePairEvalDataset):
    """DAVIS-2017 unsupervised val pairs (dense masks in ``Annotations_unsupervised/480p``,
    instance ids per object; flows in ``davis-flow`` as for DAVIS-16); split file
    ``ImageSets/2017/<split>.txt``. Load the masks with ``LoadEvalFrameMask(binary=False)``
    to keep the instance ids."""

    def __init__(self, split: str = 'val', **kwargs):
        kwargs.setdefault('ann_file', f'ImageSets/2017/{split}.txt')
        kwargs.setdefault('dense', True)
        super().__init__(**kwargs)

    @classmethod
    def default_prefix(cls) -> dict:
        return dict(img_path='JPEGImages/480p', seg_map_path='Annotations_unsupervised/480p',
                    flow_path='davis-flow', hed_path=None, contour_path=None)

    def expected_tree(self) -> str:
        return super().expected_tree() + '\n  ImageSets/2017/train.txt, val.txt  (video names)'


@TRANSFORMS.register_module()
class LoadEvalFrameMask(LoadBinaryMask):
    """Load the mask of the evaluated frame (``seg_map_path``) of a frame-pair test sample into
    ``gt_seg_map``: {0, 1} (``binary=True``, any value > 0 = object, as
    :class:`LoadBinaryMask`) or the instance ids (``binary=False``, uint8; the palette indices
    of a DAVIS-17 PNG, read with PIL, or the grey values of a single-channel file).
    An unannotated frame (``seg_map_path`` None) gets no ground truth, so that the packed
    sample has no ``gt_sem_seg``; ``skip_unannotated=False`` makes it an error instead. With
    ``single_object`` in the sample (DAVIS-16 val, as in training) a binary mask with more than
    two labels is an error naming the video, not silently merged."""

    def __init__(self, binary: bool = True, skip_unannotated: bool = True):
        self.binary = binary
        self.skip_unannotated = skip_unannotated

    def transform(self, results: dict) -> dict:
        if results.get('seg_map_path') is None and self.skip_unannotated:
            return results
        results = super().transform(results)
        if self.binary and results.get('single_object'):
            from PIL import Image  # palette indices, not the colours cv2 decodes
            with Image.open(results['seg_map_path']) as im:
                raw = np.asarray(im)
            labels = (np.unique(raw.reshape(-1, raw.shape[2]), axis=0) if raw.ndim == 3
                      else np.unique(raw))
            if len(labels) > 2:
                raise ValueError(
                    f'video {results.get("seq_name")!r}: mask {results["seg_map_path"]} has '
                    f'{len(labels)} labels; this data set expects one object (0 = background, '
                    'one foreground value). Multi-object masks (DAVIS-17) belong to another '
                    'data set.')
        if not self.binary:
            from PIL import Image  # cv2 decodes palette PNGs to colours, not indices
            with Image.open(results['seg_map_path']) as im:
                mask = np.asarray(im)
            if mask.ndim == 3:
                raise ValueError(f"mask {results['seg_map_path']} has {mask.shape[2]} channels; "
                                 'instance ids need a palette or single-channel file')
            results['gt_seg_map'] = mask.astype(np.uint8)
        return results


__all__ += ['VOSFramePairEvalDataset', 'YouTubeObjectsFramePairDataset',
            'LongVideosFramePairDataset', 'FBMSFramePairDataset',
            'DAVIS17UnsupervisedFramePairDataset', 'LoadEvalFrameMask',
            'YOUTUBE_OBJECTS_CATEGORIES']
