"""Kinetics-400 in mmaction2's video-list layout, with clear errors for bad input.

The layout (``tools/data/kinetics`` of mmaction2; also what the STTS VideoSwin code reads)::

    data/kinetics400/
    ├── kinetics400_train_list_videos.txt   # "<relative path> <label>" per line
    ├── kinetics400_val_list_videos.txt
    ├── videos_train/<class>/<youtube_id>_<start>_<end>.mp4
    └── videos_val/<class>/<youtube_id>_<start>_<end>.mp4

Reading and the up-front layout check (missing list, malformed line, missing video) are the
shared :class:`cvshared.datasets.action.KineticsVideoDataset` (MotionSqueeze reads Kinetics too);
this module keeps the package's earlier names for it, and :class:`STTSDecordInit` names the
video file when decoding fails.
"""
from __future__ import annotations

from cvshared.datasets.action import KINETICS_TRAIN_LIST as TRAIN_LIST
from cvshared.datasets.action import KINETICS_VAL_LIST as VAL_LIST
from cvshared.datasets.action import KineticsVideoDataset, check_kinetics
from cvshared.datasets.action import check_kinetics_list as check_video_list
from mmaction.datasets.transforms import DecordInit
from mmaction.registry import DATASETS, TRANSFORMS

__all__ = ['TRAIN_LIST', 'VAL_LIST', 'STTSKineticsVideoDataset', 'STTSDecordInit',
           'check_kinetics', 'check_video_list']


@DATASETS.register_module()
class STTSKineticsVideoDataset(KineticsVideoDataset):
    """The shared :class:`cvshared.datasets.action.KineticsVideoDataset` under this package's
    earlier name, so configs and scripts that name it keep working (the repository's configs
    name the shared class, through ``configs/_base_/datasets/kinetics400.py``)."""


@TRANSFORMS.register_module()
class STTSDecordInit(DecordInit):
    """``DecordInit`` whose error names the video that could not be opened."""

    def transform(self, results):
        try:
            return super().transform(results)
        except Exception as e:  # decord raises its own error types without the path
            raise RuntimeError(f'could not decode video {results.get("filename")!r} ({e}); '
                               're-download or delete it from the list file.') from e
