"""Action-recognition data sets in their official on-disk layouts (mmaction2 datasets).

Registered in mmaction2's ``DATASETS`` / ``TRANSFORMS`` on import of this module (configs:
``custom_imports = dict(imports=['cvshared.datasets.action'])``):

* :class:`Diving48Dataset` -- ``Diving48_V2_{train,test}.json`` (entries ``{"vid_name",
  "label", "start_frame", "end_frame"}``) + ``Diving48_vocab.json`` (48 ``[takeoff, somersault,
  twist, flight]`` lists, the class index = the position), videos ``rgb/<vid_name>.mp4``
  (the V2 release; SELFY's Diving-48 column).
* :class:`FineGymDataset` -- Gym99 / Gym288 element lists (``gym99_train_element_v1.1.txt``,
  ``gym99_val_element.txt``, ``gym288_*``; lines ``<subaction clip id> <label>``), the trimmed
  subaction clips as ``subactions/<clip id>.mp4`` (mmaction2's ``tools/data/gym`` output).
* :class:`KineticsVideoDataset` -- Kinetics-400 in mmaction2's video-list layout
  (``kinetics400_{train,val}_list_videos.txt``, lines ``<relative video path> <label>``, videos
  under ``videos_{train,val}/``): mmaction2's ``VideoDataset`` after a check of the list and of
  its first videos (STTS and MotionSqueeze's Kinetics runs).
* :class:`HMDB51Dataset` -- ``testTrainMulti_7030_splits/<class>_test_split<k>.txt`` (lines
  ``<video>.avi <0|1|2>``: 1 train, 2 test, 0 unused), videos ``<class>/<video>.avi`` (the
  ``hmdb51_org`` archives unpacked per class); labels = the 51 class names sorted, as
  mmaction2's ``classInd``.
* :class:`UCF101Dataset` -- ``ucfTrainTestlist/classInd.txt`` (lines ``<1-based index>
  <class>``), ``trainlist0<k>.txt`` (``<class>/<video>.avi <1-based label>``) and
  ``testlist0<k>.txt`` (``<class>/<video>.avi``, the label from the class folder), videos
  ``UCF-101/<class>/<video>.avi``; labels 0-based in ``classInd`` order.
* :class:`CharadesDataset` -- ``Charades_v1_{train,test}.csv`` (the released csv: ``id``, ...,
  ``actions`` = ``"c092 11.90 21.20;c147 0.00 12.60"``, ``length``), ``Charades_v1_classes.txt``
  (``c000 Holding some clothes``), videos ``Charades_v1_480/<id>.mp4``: video-level multi-label
  classification (the label is the set of classes of the video's actions, a many-hot vector for
  mmaction2's ``AccMetric(metric_list=('mean_average_precision',))``).
* Kinetics-700 is :class:`KineticsVideoDataset` on the ``kinetics700_*`` lists
  (:func:`check_kinetics700`).

Bad input raises at load with the file and line: a missing data set (``FileNotFoundError``
with the expected tree, :func:`diving48_tree` etc.), a malformed line / entry, a label outside
the label map, a listed video missing.  An undecodable video is a **transform-side** check:
:class:`CheckedDecordInit` / :class:`CheckedPyAVInit` (drop-in for mmaction2's ``DecordInit`` /
``PyAVInit``) re-raise the decoder's error with the file name, and reject a video with fewer
frames than ``min_frames``.  The Something-Something sets are in :mod:`.something`.
"""
from __future__ import annotations

import csv
import json
import os
import os.path as osp
import re
from collections.abc import Iterator

from mmaction.datasets import VideoDataset
from mmaction.datasets.transforms import DecordInit, PyAVInit
from mmaction.registry import DATASETS, TRANSFORMS

__all__ = ['diving48_tree', 'finegym_tree', 'hmdb51_tree', 'kinetics_tree', 'ucf101_tree',
           'charades_tree', 'read_list_lines', 'missing_error', 'check_kinetics_list',
           'check_kinetics', 'check_kinetics700', 'Diving48Dataset', 'FineGymDataset',
           'HMDB51Dataset', 'KineticsVideoDataset', 'UCF101Dataset', 'CharadesDataset',
           'read_charades_classes', 'CheckedDecordInit', 'CheckedPyAVInit',
           'KINETICS_TRAIN_LIST', 'KINETICS_VAL_LIST', 'kinetics_lists']


# --------------------------------------------------------------------------- helpers

def missing_error(what: str, path: str, tree: str) -> FileNotFoundError:
    """``FileNotFoundError`` naming the missing file and showing the expected tree."""
    return FileNotFoundError(f'{what} {path!r} not found. Expected layout:\n{tree}')


def read_list_lines(path: str) -> Iterator[tuple[int, str]]:
    """``(line number from 1, stripped line)`` of the non-empty lines of a list file."""
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if line:
                yield lineno, line


def load_json(path: str, what: str, tree: str):
    if not osp.isfile(path):
        raise missing_error(what, path, tree)
    with open(path) as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f'{path}: not valid JSON ({e})') from e


def _int_field(value: str, path: str, lineno: int, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f'{path}:{lineno}: {what} {value!r} is not an integer') from None


def _check_video(filename: str, where: str, tree: str) -> None:
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{where}: video {filename!r} not found. Expected layout:\n{tree}')


# --------------------------------------------------------------------------- decoders

def _check_decoded(results: dict, min_frames: int, decoder: str) -> dict:
    n = results['total_frames']
    if n is None or n < min_frames:
        raise RuntimeError(f'{results["filename"]}: {decoder} reports {n} frames, fewer than the '
                           f'{min_frames} the sampler needs; the file is truncated or empty: '
                           're-download or re-encode it')
    return results


@TRANSFORMS.register_module()
class CheckedDecordInit(DecordInit):
    """mmaction2's ``DecordInit``; an undecodable file raises ``RuntimeError`` naming it, and a
    video with fewer than ``min_frames`` frames (default 1) is rejected."""

    def __init__(self, min_frames: int = 1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.min_frames = min_frames

    def transform(self, results: dict) -> dict:
        try:
            results = super().transform(results)
        except Exception as e:  # decord raises RuntimeError / DECORDError with no file name
            raise RuntimeError(f'{results.get("filename")}: cannot be decoded by decord '
                               f'({type(e).__name__}: {e}); the file is corrupt or not a video: '
                               're-download or re-encode it') from e
        return _check_decoded(results, self.min_frames, 'decord')


@TRANSFORMS.register_module()
class CheckedPyAVInit(PyAVInit):
    """mmaction2's ``PyAVInit`` with the checks of :class:`CheckedDecordInit`; a container
    without a frame count in its header (WebM) gets the count of its video packets."""

    def __init__(self, min_frames: int = 1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.min_frames = min_frames

    def transform(self, results: dict) -> dict:
        try:
            results = super().transform(results)
            if not results['total_frames']:
                results['total_frames'] = _count_video_packets(results['filename'])
        except Exception as e:
            raise RuntimeError(f'{results.get("filename")}: cannot be decoded by PyAV '
                               f'({type(e).__name__}: {e}); the file is corrupt or not a video: '
                               're-download or re-encode it') from e
        return _check_decoded(results, self.min_frames, 'PyAV')


def _count_video_packets(filename: str) -> int:
    """Frames of the first video stream counted from its packets (no decoding).

    mmaction2's ``PyAVInit`` takes ``streams.video[0].frames`` from the container header, which
    Matroska / WebM does not store: it is 0 for every SS-V2 webm file.
    """
    import av  # cvshared[video]
    with av.open(filename) as container:
        return sum(1 for packet in container.demux(video=0) if packet.size)


class _OfficialLayoutVideoDataset(VideoDataset):
    """``VideoDataset`` whose ``load_data_list`` reads an official annotation format."""

    def _root(self) -> str:
        return self.data_root or osp.dirname(self.ann_file)

    def _video(self, name: str) -> str:
        prefix = self.data_prefix.get('video') or ''
        return osp.join(prefix, name)


# --------------------------------------------------------------------------- Kinetics

KINETICS_TRAIN_LIST = 'kinetics400_train_list_videos.txt'
KINETICS_VAL_LIST = 'kinetics400_val_list_videos.txt'


def kinetics_lists(version: int = 400) -> tuple[str, str]:
    """The (train, val) list names mmaction2's ``tools/data/kinetics`` writes for Kinetics-400,
    -600 or -700."""
    if version not in (400, 600, 700):
        raise ValueError(f'Kinetics version must be 400, 600 or 700, got {version!r}')
    return (f'kinetics{version}_train_list_videos.txt', f'kinetics{version}_val_list_videos.txt')


def kinetics_tree(root: str, version: int = 400) -> str:
    train, val = kinetics_lists(version)
    return (f'{root}/\n'
            f'├── {train}   # "<relative video path> <label>" per line\n'
            f'├── {val}\n'
            '├── videos_train/<class>/<video>.mp4\n'
            '└── videos_val/<class>/<video>.mp4\n'
            '(mmaction2 tools/data/kinetics layout)')


def _kinetics_version(ann_file: str) -> int:
    m = re.match(r'kinetics(400|600|700)_', osp.basename(ann_file))
    return int(m.group(1)) if m else 400


def check_kinetics_list(ann_file: str, video_root: str, max_checked: int = 8) -> int:
    """Validate a Kinetics list file and the first ``max_checked`` videos it names; return the
    number of entries. Raises with the file and line: a missing list (with the expected tree), a
    line that is not ``<video path> <integer label>``, a listed video that does not exist, an
    empty list."""
    if not osp.isfile(ann_file):
        raise missing_error('Kinetics list file', ann_file,
                            kinetics_tree(osp.dirname(ann_file) or '.',
                                          _kinetics_version(ann_file)))
    n = 0
    for lineno, line in read_list_lines(ann_file):
        parts = line.split()
        if len(parts) < 2 or not parts[-1].lstrip('-').isdigit():
            raise ValueError(f'{ann_file}:{lineno}: expected "<video path> <integer label>", '
                             f'got {line!r}.')
        if n < max_checked and not osp.isfile(osp.join(video_root, parts[0])):
            raise FileNotFoundError(
                f'{ann_file}:{lineno} names {parts[0]}, but {osp.join(video_root, parts[0])} '
                f'does not exist: is the video folder ({video_root}) right?')
        n += 1
    if n == 0:
        raise ValueError(f'Kinetics list file {ann_file} is empty.')
    return n


def check_kinetics(data_root: str, run_name: str | None = None, version: int = 400) -> None:
    """``PaperSpec.check_data`` for Kinetics-400 (``version`` 600 / 700 for the others): both
    lists and their first videos."""
    for split, lst in zip(('train', 'val'), kinetics_lists(version)):
        check_kinetics_list(osp.join(data_root, lst), osp.join(data_root, f'videos_{split}'))


def check_kinetics700(data_root: str, run_name: str | None = None) -> None:
    """``PaperSpec.check_data`` for Kinetics-700 (the ``kinetics700_*`` lists)."""
    check_kinetics(data_root, run_name, version=700)


@DATASETS.register_module()
class KineticsVideoDataset(VideoDataset):
    """mmaction2 ``VideoDataset`` that validates the Kinetics video-list layout first
    (:func:`check_kinetics_list`), so a wrong path or a malformed list fails at build time with
    the file and line instead of inside a worker."""

    def load_data_list(self):
        check_kinetics_list(self.ann_file, self.data_prefix['video'])
        return super().load_data_list()


# --------------------------------------------------------------------------- Diving-48

def diving48_tree(root: str) -> str:
    return (f'{root}/   (Diving-48 V2)\n'
            '  Diving48_V2_train.json, Diving48_V2_test.json   [{"vid_name", "label", '
            '"start_frame", "end_frame"}]\n'
            '  Diving48_vocab.json                             48 [takeoff, somersault, twist, '
            'flight] lists\n'
            '  rgb/<vid_name>.mp4')


@DATASETS.register_module()
class Diving48Dataset(_OfficialLayoutVideoDataset):
    """Diving-48 V2 (SELFY's Diving-48 results; the official 48-class split).

    Args:
        ann_file: ``Diving48_V2_train.json`` or ``Diving48_V2_test.json`` (relative to
            ``data_root``).
        vocab_file: ``Diving48_vocab.json``; its length is the number of classes.
        data_prefix: ``dict(video='rgb')``.
        check_files: stat every listed video at load.
    """

    def __init__(self, ann_file: str = 'Diving48_V2_train.json', pipeline=(),
                 vocab_file: str = 'Diving48_vocab.json',
                 data_prefix: dict | None = None, check_files: bool = True,
                 **kwargs) -> None:
        if data_prefix is None:
            data_prefix = dict(video='rgb')
        self.vocab_file = vocab_file
        self.check_files = check_files
        super().__init__(ann_file=ann_file, pipeline=list(pipeline), data_prefix=data_prefix,
                         **kwargs)

    def load_data_list(self) -> list[dict]:
        root = self._root()
        tree = diving48_tree(root)
        vocab_path = self.vocab_file if osp.isabs(self.vocab_file) else osp.join(
            root, self.vocab_file)
        vocab = load_json(vocab_path, 'Diving-48 vocabulary', tree)
        entries = load_json(self.ann_file, 'Diving-48 annotation file', tree)
        if not isinstance(entries, list):
            raise ValueError(f'{self.ann_file}: expected a list of entries, got '
                             f'{type(entries).__name__}')
        out = []
        for i, e in enumerate(entries):
            where = f'{self.ann_file}: entry {i}'
            if not isinstance(e, dict) or 'vid_name' not in e or 'label' not in e:
                raise ValueError(f'{where}: expected {{"vid_name", "label", ...}}, got {e!r}')
            label = e['label']
            if not isinstance(label, int) or not 0 <= label < len(vocab):
                raise ValueError(f'{where} ({e["vid_name"]}): label {label!r} is not a class '
                                 f'index of {vocab_path} (0..{len(vocab) - 1})')
            filename = self._video(e['vid_name'] + '.mp4')
            if self.check_files:
                _check_video(filename, where, tree)
            out.append(dict(filename=filename, label=label))
        return out


# --------------------------------------------------------------------------- FineGym

GYM_NUM_CLASSES = {'gym99': 99, 'gym288': 288}


def finegym_tree(root: str) -> str:
    return (f'{root}/   (FineGym, mmaction2 tools/data/gym layout)\n'
            '  annotations/gym99_train_element_v1.1.txt, gym99_val_element.txt   '
            '"<clip id> <label>" lines\n'
            '  annotations/gym288_train_element_v1.1.txt, gym288_val_element.txt\n'
            '  subactions/<clip id>.mp4   (trimmed subaction clips, '
            '<video>_E_<start>_<end>_A_<start>_<end>)')


@DATASETS.register_module()
class FineGymDataset(_OfficialLayoutVideoDataset):
    """FineGym element-level classification (Gym99 or Gym288; SELFY's Gym99 column, scored
    with the mean per-class accuracy: ``AccMetric(metric_list=('top_k_accuracy',
    'mean_class_accuracy'))``).

    Args:
        ann_file: an element list, lines ``<clip id> <label>``.
        subset: ``'gym99'`` or ``'gym288'`` (the label range: 99 / 288 classes).
        data_prefix: ``dict(video='subactions')``; clips ``<clip id>.mp4``.
    """

    def __init__(self, ann_file: str = 'annotations/gym99_train_element_v1.1.txt', pipeline=(),
                 subset: str = 'gym99', data_prefix: dict | None = None,
                 check_files: bool = True, suffix: str = '.mp4', **kwargs) -> None:
        if data_prefix is None:
            data_prefix = dict(video='subactions')
        if subset not in GYM_NUM_CLASSES:
            raise ValueError(f'subset must be one of {sorted(GYM_NUM_CLASSES)}, got {subset!r}')
        self.subset, self.check_files, self.suffix = subset, check_files, suffix
        super().__init__(ann_file=ann_file, pipeline=list(pipeline), data_prefix=data_prefix,
                         **kwargs)

    def load_data_list(self) -> list[dict]:
        root = self.data_root or osp.dirname(osp.dirname(self.ann_file))
        tree = finegym_tree(root)
        if not osp.isfile(self.ann_file):
            raise missing_error('FineGym element list', self.ann_file, tree)
        n = GYM_NUM_CLASSES[self.subset]
        out = []
        for lineno, line in read_list_lines(self.ann_file):
            fields = line.split()
            if len(fields) != 2:
                raise ValueError(f'{self.ann_file}:{lineno}: expected "<clip id> <label>", got '
                                 f'{line!r}')
            label = _int_field(fields[1], self.ann_file, lineno, 'label')
            if not 0 <= label < n:
                raise ValueError(f'{self.ann_file}:{lineno}: label {label} outside the '
                                 f'{self.subset} label map 0..{n - 1}')
            filename = self._video(fields[0] + self.suffix)
            if self.check_files:
                _check_video(filename, f'{self.ann_file}:{lineno}', tree)
            out.append(dict(filename=filename, label=label))
        return out


class _SplitFolderVideoDataset(_OfficialLayoutVideoDataset):
    """HMDB51 / UCF101: a folder of official split lists (``ann_file``, default
    ``SPLIT_DIR``), ``split`` 1..3, ``subset`` train / test, ``NUM_CLASSES`` classes expected
    (``num_classes_expected=None`` skips the check), videos under ``VIDEO_PREFIX``."""

    SPLIT_DIR, VIDEO_PREFIX, NUM_CLASSES = '', '', 0

    def __init__(self, split: int = 1, subset: str = 'train', pipeline=(),
                 ann_file: str | None = None, data_prefix: dict | None = None,
                 num_classes_expected: int | None | str = 'default', check_files: bool = True,
                 **kwargs) -> None:
        if data_prefix is None:
            data_prefix = dict(video=self.VIDEO_PREFIX)
        if split not in (1, 2, 3):
            raise ValueError(f'split must be 1, 2 or 3, got {split!r}')
        if subset not in ('train', 'test'):
            raise ValueError(f"subset must be 'train' or 'test', got {subset!r}")
        self.split, self.subset = split, subset
        self.num_classes_expected = (self.NUM_CLASSES if num_classes_expected == 'default'
                                     else num_classes_expected)
        self.check_files = check_files
        super().__init__(ann_file=ann_file or self.SPLIT_DIR, pipeline=list(pipeline),
                         data_prefix=data_prefix, **kwargs)


# --------------------------------------------------------------------------- HMDB51

HMDB51_SPLIT_DIR = 'testTrainMulti_7030_splits'


def hmdb51_tree(root: str) -> str:
    return (f'{root}/   (HMDB51)\n'
            f'  {HMDB51_SPLIT_DIR}/<class>_test_split<k>.txt   "<video>.avi <0|1|2>" lines '
            '(1 train, 2 test, 0 unused), k = 1, 2, 3\n'
            '  <class>/<video>.avi   (the hmdb51_org archives, one folder per class)')


@DATASETS.register_module()
class HMDB51Dataset(_SplitFolderVideoDataset):
    """HMDB51 with its official three 70/30 splits (MotionSqueeze's HMDB51 column, 3-split
    average).  Labels: the class names of the split files, sorted (``brush_hair`` = 0).

    Args:
        split: 1, 2 or 3.
        subset: ``'train'`` (id 1) or ``'test'`` (id 2).
        num_classes_expected: the number of class files of the split (51; None skips the check).
        data_prefix: ``dict(video='')``: videos ``<data_root>/<class>/<video>.avi``.
    """

    SPLIT_DIR, VIDEO_PREFIX, NUM_CLASSES = HMDB51_SPLIT_DIR, '', 51

    def load_data_list(self) -> list[dict]:
        split_dir = self.ann_file
        root = self.data_root or osp.dirname(split_dir)
        tree = hmdb51_tree(root)
        if not osp.isdir(split_dir):
            raise missing_error('HMDB51 split folder', split_dir, tree)
        suffix = f'_test_split{self.split}.txt'
        classes = sorted(f[:-len(suffix)] for f in os.listdir(split_dir) if f.endswith(suffix))
        if not classes or (self.num_classes_expected is not None
                           and len(classes) != self.num_classes_expected):
            raise ValueError(f'{split_dir}: found {len(classes)} files *{suffix}, expected '
                             f'{self.num_classes_expected} (one per class)')
        self.classes = classes
        want = 1 if self.subset == 'train' else 2
        out = []
        for label, cls in enumerate(classes):
            path = osp.join(split_dir, cls + suffix)
            for lineno, line in read_list_lines(path):
                fields = line.split()
                if len(fields) != 2 or fields[1] not in ('0', '1', '2'):
                    raise ValueError(f'{path}:{lineno}: expected "<video>.avi <0|1|2>", got '
                                     f'{line!r}')
                if int(fields[1]) != want:
                    continue
                filename = self._video(osp.join(cls, fields[0]))
                if self.check_files:
                    _check_video(filename, f'{path}:{lineno}', tree)
                out.append(dict(filename=filename, label=label))
        return out


# --------------------------------------------------------------------------- UCF101

UCF101_SPLIT_DIR = 'ucfTrainTestlist'


def ucf101_tree(root: str) -> str:
    return (f'{root}/   (UCF101, the official UCF101.rar and UCF101TrainTestSplits-'
            'RecognitionTask.zip unpacked)\n'
            f'  {UCF101_SPLIT_DIR}/classInd.txt            "<1-based index> <class>" lines\n'
            f'  {UCF101_SPLIT_DIR}/trainlist0<k>.txt       "<class>/<video>.avi <1-based label>"'
            ', k = 1, 2, 3\n'
            f'  {UCF101_SPLIT_DIR}/testlist0<k>.txt        "<class>/<video>.avi"\n'
            '  UCF-101/<class>/<video>.avi')


@DATASETS.register_module()
class UCF101Dataset(_SplitFolderVideoDataset):
    """UCF101 with its official three train / test splits.  Labels are 0-based in the order of
    ``classInd.txt`` (``ApplyEyeMakeup`` = 0), as mmaction2's ``tools/data/ucf101`` lists.  A
    train line's label must agree with its class folder; a test line (no label in the official
    file) takes the label of its class folder, matched to ``classInd`` case-insensitively (the
    official files name the folder ``HandstandPushups`` and the videos ``v_HandStandPushups_*``).

    Args:
        split: 1, 2 or 3.
        subset: ``'train'`` (``trainlist0<k>.txt``) or ``'test'`` (``testlist0<k>.txt``).
        ann_file: the split folder (``ucfTrainTestlist``, relative to ``data_root``).
        data_prefix: ``dict(video='UCF-101')``.
        num_classes_expected: lines of ``classInd.txt`` (101; None skips the check).
        check_files: stat every listed video at load.
    """

    SPLIT_DIR, VIDEO_PREFIX, NUM_CLASSES = UCF101_SPLIT_DIR, 'UCF-101', 101

    def _classes(self, path: str, tree: str) -> list[str]:
        if not osp.isfile(path):
            raise missing_error('UCF101 class index', path, tree)
        classes = []
        for lineno, line in read_list_lines(path):
            fields = line.split()
            if len(fields) != 2:
                raise ValueError(f'{path}:{lineno}: expected "<index> <class>", got {line!r}')
            if _int_field(fields[0], path, lineno, 'class index') != len(classes) + 1:
                raise ValueError(f'{path}:{lineno}: class index {fields[0]} out of order '
                                 f'(expected {len(classes) + 1})')
            classes.append(fields[1])
        if not classes or (self.num_classes_expected is not None
                           and len(classes) != self.num_classes_expected):
            raise ValueError(f'{path}: {len(classes)} classes, expected '
                             f'{self.num_classes_expected}')
        return classes

    def load_data_list(self) -> list[dict]:
        split_dir = self.ann_file
        root = self.data_root or osp.dirname(split_dir)
        tree = ucf101_tree(root)
        self.classes = self._classes(osp.join(split_dir, 'classInd.txt'), tree)
        by_name = {c.lower(): i for i, c in enumerate(self.classes)}
        path = osp.join(split_dir, f'{self.subset}list0{self.split}.txt')
        if not osp.isfile(path):
            raise missing_error(f'UCF101 {self.subset} list', path, tree)
        out = []
        for lineno, line in read_list_lines(path):
            fields = line.split()
            want = 2 if self.subset == 'train' else 1
            if len(fields) != want:
                raise ValueError(f'{path}:{lineno}: expected "<class>/<video>.avi'
                                 f'{" <label>" if want == 2 else ""}", got {line!r}')
            folder = fields[0].split('/')[0]
            if folder.lower() not in by_name:
                raise ValueError(f'{path}:{lineno}: class folder {folder!r} is not in '
                                 f'{split_dir}/classInd.txt')
            label = by_name[folder.lower()]
            if want == 2:
                given = _int_field(fields[1], path, lineno, 'label') - 1
                if given != label:
                    named = (self.classes[given] if 0 <= given < len(self.classes)
                             else 'outside classInd')
                    raise ValueError(f'{path}:{lineno}: label {given + 1} is {named}, but the '
                                     f'video is in folder {folder!r} (class {label + 1})')
            filename = self._video(fields[0])
            if self.check_files:
                _check_video(filename, f'{path}:{lineno}', tree)
            out.append(dict(filename=filename, label=label))
        return out


# --------------------------------------------------------------------------- Charades

CHARADES_COLUMNS = ('id', 'subject', 'scene', 'quality', 'relevance', 'verified', 'script',
                    'objects', 'descriptions', 'actions', 'length')


def charades_tree(root: str) -> str:
    return (f'{root}/   (Charades v1: Charades.zip and Charades_v1_480.zip unpacked)\n'
            '  Charades_v1_train.csv, Charades_v1_test.csv   columns '
            f'{",".join(CHARADES_COLUMNS)}; actions = "c092 11.90 21.20;c147 0.00 12.60"\n'
            '  Charades_v1_classes.txt                       "c000 Holding some clothes" lines\n'
            '  Charades_v1_480/<id>.mp4')


def read_charades_classes(path: str, tree: str | None = None) -> list[str]:
    """The class ids (``c000`` ...) of ``Charades_v1_classes.txt``, in file order (= the label
    index); raises naming the file and line on a malformed or out-of-order line."""
    if not osp.isfile(path):
        raise missing_error('Charades class list', path, tree or charades_tree(osp.dirname(path)))
    ids = []
    for lineno, line in read_list_lines(path):
        cid = line.split(maxsplit=1)[0]
        if not re.fullmatch(r'c\d{3}', cid) or int(cid[1:]) != len(ids):
            raise ValueError(f'{path}:{lineno}: expected "c{len(ids):03d} <description>", got '
                             f'{line!r}')
        ids.append(cid)
    return ids


@DATASETS.register_module()
class CharadesDataset(_OfficialLayoutVideoDataset):
    """Charades v1 video-level multi-label classification (157 classes, mAP).

    Each csv row is one video; its label is the set of class indices named in ``actions``
    (``<class id> <start s> <end s>`` entries separated by ``;``), many-hot through mmaction2's
    ``multi_class=True``.  A video without any action (a handful in the release) keeps an
    all-zero target: it is counted, not dropped (``skip_empty=True`` drops them, with their
    number in ``self.num_empty``).

    Args:
        ann_file: ``Charades_v1_train.csv`` or ``Charades_v1_test.csv`` (relative to
            ``data_root``).
        classes_file: ``Charades_v1_classes.txt``.
        data_prefix: ``dict(video='Charades_v1_480')``.
        num_classes: 157 (the class list must have this many lines).
        check_files: stat every listed video at load.
    """

    def __init__(self, ann_file: str = 'Charades_v1_train.csv', pipeline=(),
                 classes_file: str = 'Charades_v1_classes.txt',
                 data_prefix: dict | None = None, num_classes: int = 157,
                 check_files: bool = True, skip_empty: bool = False, suffix: str = '.mp4',
                 **kwargs) -> None:
        if data_prefix is None:
            data_prefix = dict(video='Charades_v1_480')
        self.classes_file, self.check_files = classes_file, check_files
        self.skip_empty, self.suffix, self.num_empty = skip_empty, suffix, 0
        kwargs.setdefault('multi_class', True)
        super().__init__(ann_file=ann_file, pipeline=list(pipeline), data_prefix=data_prefix,
                         num_classes=num_classes, **kwargs)

    def load_data_list(self) -> list[dict]:
        root = self._root()
        tree = charades_tree(root)
        cpath = self.classes_file if osp.isabs(self.classes_file) else osp.join(
            root, self.classes_file)
        ids = read_charades_classes(cpath, tree)
        if len(ids) != self.num_classes:
            raise ValueError(f'{cpath}: {len(ids)} classes, but num_classes = {self.num_classes}')
        index = {c: i for i, c in enumerate(ids)}
        if not osp.isfile(self.ann_file):
            raise missing_error('Charades annotation csv', self.ann_file, tree)
        out = []
        with open(self.ann_file, newline='') as f:
            reader = csv.DictReader(f)
            missing = {'id', 'actions'} - set(reader.fieldnames or ())
            if missing:
                raise ValueError(f'{self.ann_file}: header {reader.fieldnames} lacks '
                                 f'{sorted(missing)}; expected the columns '
                                 f'{",".join(CHARADES_COLUMNS)}')
            for row in reader:
                where = f'{self.ann_file}:{reader.line_num}'
                labels = []
                for entry in filter(None, (a.strip() for a in (row['actions'] or '').split(';'))):
                    fields = entry.split()
                    if len(fields) != 3:
                        raise ValueError(f'{where} ({row["id"]}): action {entry!r} is not '
                                         '"<class id> <start> <end>"')
                    if fields[0] not in index:
                        raise ValueError(f'{where} ({row["id"]}): unknown class {fields[0]!r} '
                                         f'(not in {cpath}, which lists c000..'
                                         f'c{len(ids) - 1:03d})')
                    labels.append(index[fields[0]])
                if not labels:
                    self.num_empty += 1
                    if self.skip_empty:
                        continue
                filename = self._video(row['id'] + self.suffix)
                if self.check_files:
                    _check_video(filename, where, tree)
                out.append(dict(filename=filename, label=sorted(set(labels))))
        return out
