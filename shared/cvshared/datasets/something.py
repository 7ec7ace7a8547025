"""Something-Something V1 and V2 in their official released layouts (mmaction2 datasets).

Registered in mmaction2's ``DATASETS`` on import (``custom_imports =
dict(imports=['cvshared.datasets.something'])``); the checked decoders of :mod:`.action`
register with it.

V2 (:class:`SthV2Dataset`, webm videos, the labels read as TSM's
``tools/gen_label_sthv2.py`` does: the entry's ``template`` with ``[`` and ``]`` removed is
looked up in ``something-something-v2-labels.json``; the ``label`` field (the template with the
objects filled in) is not a class)::

    <root>/20bn-something-something-v2/<id>.webm
    <root>/labels/something-something-v2-labels.json       {"<template>": "<index>"}
    <root>/labels/something-something-v2-{train,validation}.json
                                                [{"id", "label", "template", "placeholders"}]
    <root>/labels/something-something-v2-test.json          [{"id"}] (label -1)

V1 (:class:`SthV1Dataset`, JPEG frame folders, TSM's ``gen_label_sthv1.py`` convention: the
class index is the line of the name in the labels csv, frames are counted in the folder)::

    <root>/20bn-something-something-v1/<id>/00001.jpg ...  (%05d.jpg from 1)
    <root>/something-something-v1-labels.csv                one class name per line
    <root>/something-something-v1-{train,validation}.csv    "<id>;<class name>" lines
    <root>/something-something-v1-test.csv                  "<id>" lines (label -1)

Errors at load name the file and line (entry): a missing data set (the tree), a malformed line or
entry, a class name / template missing from the label map, a listed video missing, and (V1) a
frame folder with fewer than ``min_frames`` frames or with a gap in its numbering (a sampled
index would miss its file).  Undecodable webm files are caught by ``CheckedDecordInit`` /
``CheckedPyAVInit`` in the pipeline (:mod:`.action`).  No horizontal flip on these sets: it
swaps "left to right" and "right to left" classes; the official SELFY / MotionSqueeze training
flips every other class (``GroupRandomHorizontalFlip(selective_flip=True)``, ``ops/transforms.py``:
not the labels 86, 87, 93, 94, 166, 167 of their SS-V1 category list), which
:class:`SelectiveFlip` reproduces.
"""
from __future__ import annotations

import json
import os
import os.path as osp
import re

from mmaction.datasets import RawframeDataset, VideoDataset
from mmaction.datasets.transforms import Flip
from mmaction.registry import DATASETS, TRANSFORMS

from .action import CheckedDecordInit, CheckedPyAVInit, load_json, missing_error, read_list_lines

__all__ = ['sthv1_tree', 'sthv2_tree', 'check_sthv2', 'normalize_template', 'SthV1Dataset',
           'SthV2Dataset',
           'SelectiveFlip', 'LEFT_RIGHT_CLASSES', 'CheckedDecordInit', 'CheckedPyAVInit']

V2_VIDEO_DIR = '20bn-something-something-v2'
V1_FRAME_DIR = '20bn-something-something-v1'


def sthv2_tree(root: str) -> str:
    return (f'{root}/   (Something-Something V2)\n'
            f'  {V2_VIDEO_DIR}/<id>.webm\n'
            '  labels/something-something-v2-labels.json       {"<template>": "<index>"}\n'
            '  labels/something-something-v2-train.json        [{"id", "label", "template", '
            '"placeholders"}]\n'
            '  labels/something-something-v2-validation.json\n'
            '  labels/something-something-v2-test.json         [{"id"}]')


STHV2_REQUIRED = ('labels/something-something-v2-labels.json',
                  'labels/something-something-v2-train.json',
                  'labels/something-something-v2-validation.json', V2_VIDEO_DIR)


def check_sthv2(data_root: str, who: str = 'cvshared') -> None:
    """``PaperSpec.check_data`` helper: raise ``FileNotFoundError`` showing the SS-V2 tree when
    ``data_root`` lacks a label file or the video folder (``who`` prefixes the message)."""
    for rel in STHV2_REQUIRED:
        path = osp.join(data_root, rel)
        if not osp.exists(path):
            raise FileNotFoundError(
                f'{who}: {path} is missing. Expected the released SS-V2 layout:\n'
                f'{sthv2_tree(data_root)}\n(set DATA_ROOT to the data set root, or run without '
                'it for the synthetic set)')


def sthv1_tree(root: str) -> str:
    return (f'{root}/   (Something-Something V1)\n'
            f'  {V1_FRAME_DIR}/<id>/00001.jpg, 00002.jpg, ...\n'
            '  something-something-v1-labels.csv       one class name per line\n'
            '  something-something-v1-train.csv        "<id>;<class name>" lines\n'
            '  something-something-v1-validation.csv\n'
            '  something-something-v1-test.csv         "<id>" lines')


def normalize_template(template: str) -> str:
    """``"Putting [something] on [something]"`` -> ``"Putting something on something"``
    (the labels-file key; TSM's ``gen_label_sthv2.py`` removes the brackets the same way)."""
    return template.replace('[', '').replace(']', '')


def _join(root: str, path: str) -> str:
    return path if osp.isabs(path) else osp.join(root, path)


@DATASETS.register_module()
class SthV2Dataset(VideoDataset):
    """Something-Something V2 from the released json files and webm videos.

    Args:
        ann_file: ``labels/something-something-v2-{train,validation,test}.json``.
        label_file: ``labels/something-something-v2-labels.json`` (relative to ``data_root``).
        data_prefix: ``dict(video='20bn-something-something-v2')``.
        suffix: video file extension (``.webm`` as released).
        check_files: stat every listed video at load.
    """

    def __init__(self, ann_file: str = 'labels/something-something-v2-train.json', pipeline=(),
                 label_file: str = 'labels/something-something-v2-labels.json',
                 data_prefix: dict | None = None, suffix: str = '.webm',
                 check_files: bool = True, **kwargs) -> None:
        if data_prefix is None:
            data_prefix = dict(video=V2_VIDEO_DIR)
        self.label_file, self.suffix, self.check_files = label_file, suffix, check_files
        super().__init__(ann_file=ann_file, pipeline=list(pipeline), data_prefix=data_prefix,
                         **kwargs)

    def load_data_list(self) -> list[dict]:
        root = self.data_root or osp.dirname(osp.dirname(self.ann_file))
        tree = sthv2_tree(root)
        label_path = _join(root, self.label_file)
        labels = load_json(label_path, 'SS-V2 label map', tree)
        if not isinstance(labels, dict):
            raise ValueError(f'{label_path}: expected {{"<template>": "<index>"}}, got '
                             f'{type(labels).__name__}')
        label_map = {}
        for k, v in labels.items():
            try:
                label_map[k] = int(v)
            except (TypeError, ValueError):
                raise ValueError(f'{label_path}: index {v!r} of {k!r} is not an integer') from None
        self.classes = sorted(label_map, key=label_map.get)
        entries = load_json(self.ann_file, 'SS-V2 annotation file', tree)
        if not isinstance(entries, list):
            raise ValueError(f'{self.ann_file}: expected a list of entries, got '
                             f'{type(entries).__name__}')
        prefix = self.data_prefix.get('video') or ''
        out = []
        for i, e in enumerate(entries):
            where = f'{self.ann_file}: entry {i}'
            if not isinstance(e, dict) or 'id' not in e:
                raise ValueError(f'{where}: expected {{"id", "template", ...}}, got {e!r}')
            if 'template' in e:
                key = normalize_template(e['template'])
                if key not in label_map:
                    raise KeyError(f'{where} (id {e["id"]}): template {e["template"]!r} '
                                   f'(normalised {key!r}) is not in the label map {label_path}')
                label = label_map[key]
            elif self.test_mode:
                label = -1  # the test list has ids only
            else:
                raise ValueError(f'{where} (id {e["id"]}): no "template" (only the test list '
                                 'may omit it, with test_mode=True)')
            filename = osp.join(prefix, f'{e["id"]}{self.suffix}')
            if self.check_files and not osp.isfile(filename):
                raise FileNotFoundError(f'{where}: video {filename!r} not found. Expected '
                                        f'layout:\n{tree}')
            out.append(dict(filename=filename, label=label))
        return out


@DATASETS.register_module()
class SthV1Dataset(RawframeDataset):
    """Something-Something V1 from the released csv files and JPEG frame folders.

    Args:
        ann_file: ``something-something-v1-{train,validation,test}.csv``.
        label_file: ``something-something-v1-labels.csv``.
        data_prefix: ``dict(img='20bn-something-something-v1')``.
        filename_tmpl: ``'{:05d}.jpg'`` (released names), ``start_index`` 1.
        min_frames: fewest frames a folder may have (the sampler's need; the TSN-style
            ``SampleFrames(clip_len=1, num_clips=8)`` repeats frames, so 1 suffices for it).
    """

    def __init__(self, ann_file: str = 'something-something-v1-train.csv', pipeline=(),
                 label_file: str = 'something-something-v1-labels.csv',
                 data_prefix: dict | None = None, filename_tmpl: str = '{:05d}.jpg',
                 start_index: int = 1, min_frames: int = 1, **kwargs) -> None:
        if data_prefix is None:
            data_prefix = dict(img=V1_FRAME_DIR)
        self.label_file, self.min_frames = label_file, min_frames
        super().__init__(ann_file=ann_file, pipeline=list(pipeline), data_prefix=data_prefix,
                         filename_tmpl=filename_tmpl, start_index=start_index, **kwargs)

    def _count_frames(self, folder: str, where: str, tree: str) -> int:
        if not osp.isdir(folder):
            raise FileNotFoundError(f'{where}: frame folder {folder!r} not found. Expected '
                                    f'layout:\n{tree}')
        pattern = re.compile('^' + re.escape(self.filename_tmpl).replace(
            re.escape('{:05d}'), r'(\d+)') + '$')
        idx = sorted(int(m.group(1)) for m in map(pattern.match, os.listdir(folder)) if m)
        n = len(idx)
        if n < self.min_frames:
            raise ValueError(f'{where}: frame folder {folder!r} has {n} frames '
                             f'({self.filename_tmpl.format(self.start_index)}...), fewer than '
                             f'the {self.min_frames} the sampler needs (min_frames)')
        expected = list(range(self.start_index, self.start_index + n))
        if idx != expected:
            gap = next(e for e, i in zip(expected, idx) if e != i)
            raise ValueError(f'{where}: frame folder {folder!r} has {n} frames but no '
                             f'{self.filename_tmpl.format(gap)}: frames must be numbered '
                             f'{self.start_index}..{n + self.start_index - 1} without gaps')
        return n

    def load_data_list(self) -> list[dict]:
        root = self.data_root or osp.dirname(self.ann_file)
        tree = sthv1_tree(root)
        label_path = _join(root, self.label_file)
        if not osp.isfile(label_path):
            raise missing_error('SS-V1 label list', label_path, tree)
        names = [line for _, line in read_list_lines(label_path)]
        label_map = {name: i for i, name in enumerate(names)}
        if len(label_map) != len(names):
            raise ValueError(f'{label_path}: duplicate class names')
        self.classes = names
        if not osp.isfile(self.ann_file):
            raise missing_error('SS-V1 annotation file', self.ann_file, tree)
        prefix = self.data_prefix.get('img') or ''
        out = []
        for lineno, line in read_list_lines(self.ann_file):
            where = f'{self.ann_file}:{lineno}'
            fields = line.split(';')
            if len(fields) == 2:
                vid, name = fields
                if name not in label_map:
                    raise KeyError(f'{where}: class {name!r} is not in the label list '
                                   f'{label_path}')
                label = label_map[name]
            elif len(fields) == 1 and self.test_mode:
                vid, label = fields[0], -1
            else:
                raise ValueError(f'{where}: expected "<id>;<class name>", got {line!r}')
            folder = osp.join(prefix, vid)
            n = self._count_frames(folder, where, tree)
            out.append(dict(frame_dir=folder, total_frames=n, label=label))
        return out


# The classes the official GroupRandomHorizontalFlip(selective_flip=True) never flips (indices
# 86, 87, 93, 94, 166, 167 of the 174-class SS-V1 category list, data/something_category.txt).
LEFT_RIGHT_CLASSES = ('Pulling something from left to right',
                      'Pulling something from right to left',
                      'Pushing something from left to right',
                      'Pushing something from right to left',
                      'Turning the camera left while filming something',
                      'Turning the camera right while filming something')


def _label_indices(label_file: str) -> dict[str, int]:
    """Class name -> index of an SS-V1 labels csv or an SS-V2 labels json."""
    if not osp.isfile(label_file):
        raise FileNotFoundError(f'label file {label_file!r} not found (SelectiveFlip)')
    if label_file.endswith('.json'):
        with open(label_file) as f:
            return {k: int(v) for k, v in json.load(f).items()}
    return {name: i for i, (_, name) in enumerate(read_list_lines(label_file))}


@TRANSFORMS.register_module()
class SelectiveFlip(Flip):
    """mmaction2's ``Flip`` that never flips the samples of the listed classes (the official
    SELFY / MotionSqueeze ``GroupRandomHorizontalFlip(selective_flip=True)``).

    Args:
        keep_labels: label indices never flipped, or
        keep_classes + label_file: class names resolved in an SS-V1 labels csv / SS-V2 labels
            json (a name missing from the file raises ``KeyError`` naming it).
        flip_ratio, ...: as ``Flip``.
    """

    def __init__(self, keep_labels=(), keep_classes=(), label_file: str | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        keep = {int(k) for k in keep_labels}
        if keep_classes:
            if label_file is None:
                raise ValueError('SelectiveFlip: keep_classes needs label_file')
            index = _label_indices(label_file)
            missing = [c for c in keep_classes if c not in index]
            if missing:
                raise KeyError(f'SelectiveFlip: classes {missing} are not in {label_file}')
            keep |= {index[c] for c in keep_classes}
        self.keep_labels = frozenset(keep)

    def transform(self, results: dict) -> dict:
        if int(results['label']) not in self.keep_labels:
            return super().transform(results)
        ratio, self.flip_ratio = self.flip_ratio, 0.0
        try:
            return super().transform(results)
        finally:
            self.flip_ratio = ratio
