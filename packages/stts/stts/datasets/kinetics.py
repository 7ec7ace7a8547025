"""Kinetics-400 in mmaction2's video-list layout, with clear errors for bad input.

The layout (``tools/data/kinetics`` of mmaction2; also what the STTS VideoSwin code reads)::

    data/kinetics400/
    ├── kinetics400_train_list_videos.txt   # "<relative path> <label>" per line
    ├── kinetics400_val_list_videos.txt
    ├── videos_train/<class>/<youtube_id>_<start>_<end>.mp4
    └── videos_val/<class>/<youtube_id>_<start>_<end>.mp4

Reading is mmaction2's :class:`~mmaction.datasets.VideoDataset`; this subclass only checks the
layout up front and names the problem (missing list, malformed line, missing video), and
:class:`STTSDecordInit` names the video file when decoding fails.
"""
from __future__ import annotations

import os.path as osp

from mmaction.datasets import VideoDataset
from mmaction.datasets.transforms import DecordInit
from mmaction.registry import DATASETS, TRANSFORMS

TRAIN_LIST = 'kinetics400_train_list_videos.txt'
VAL_LIST = 'kinetics400_val_list_videos.txt'

EXPECTED_TREE = f"""{{root}}/
├── {TRAIN_LIST}   # "<relative video path> <label>" per line
├── {VAL_LIST}
├── videos_train/<class>/<video>.mp4
└── videos_val/<class>/<video>.mp4
(mmaction2 tools/data/kinetics layout; `make reproduce PAPER=stts` without DATA_ROOT writes a
synthetic set in this layout)"""


def check_video_list(ann_file: str, video_root: str, max_checked: int = 8) -> int:
    """Validate a list file and the first ``max_checked`` videos it names; return its length."""
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'Kinetics list file {ann_file} not found. Expected:\n'
                                + EXPECTED_TREE.format(root=osp.dirname(ann_file) or '.'))
    n = 0
    with open(ann_file) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) < 2 or not parts[-1].lstrip('-').isdigit():
                raise ValueError(f'{ann_file}:{lineno}: expected "<video path> <integer label>", '
                                 f'got {line.strip()!r}.')
            if n < max_checked and not osp.isfile(osp.join(video_root, parts[0])):
                raise FileNotFoundError(
                    f'{ann_file}:{lineno} names {parts[0]}, but {osp.join(video_root, parts[0])} '
                    f'does not exist: is the video folder ({video_root}) right?')
            n += 1
    if n == 0:
        raise ValueError(f'Kinetics list file {ann_file} is empty.')
    return n


@DATASETS.register_module()
class STTSKineticsVideoDataset(VideoDataset):
    """mmaction2 ``VideoDataset`` that validates the Kinetics video-list layout first."""

    def load_data_list(self):
        check_video_list(self.ann_file, self.data_prefix['video'])
        return super().load_data_list()


@TRANSFORMS.register_module()
class STTSDecordInit(DecordInit):
    """``DecordInit`` whose error names the video that could not be opened."""

    def transform(self, results):
        try:
            return super().transform(results)
        except Exception as e:  # decord raises its own error types without the path
            raise RuntimeError(f'could not decode video {results.get("filename")!r} ({e}); '
                               're-download or delete it from the list file.') from e


def check_kinetics(data_root: str, run_name: str | None = None) -> None:
    """``PaperSpec.check_data``: raise ``FileNotFoundError`` showing the tree if data is absent."""
    for split, lst in (('train', TRAIN_LIST), ('val', VAL_LIST)):
        check_video_list(osp.join(data_root, lst), osp.join(data_root, f'videos_{split}'))
