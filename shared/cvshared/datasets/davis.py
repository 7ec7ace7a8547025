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
