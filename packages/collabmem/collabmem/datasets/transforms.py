"""``SampleFrames`` that refuses a video too short for ``num_clips`` clips.

mmaction2's ``SampleFrames`` makes clips overlap (or repeats frames) when a video has fewer
frames than ``num_clips x clip_len x frame_interval``; the collaborative memory is then
written by clips that are not apart. :class:`CheckedSampleFrames` raises a ``ValueError``
naming the file, its frame count and the count needed instead (``allow_overlap=True`` gives
mmaction2's behaviour back).
"""
from __future__ import annotations

from mmaction.datasets.transforms import SampleFrames

from ..registry import TRANSFORMS


@TRANSFORMS.register_module()
class CheckedSampleFrames(SampleFrames):
    """``SampleFrames(clip_len, frame_interval, num_clips, ...)`` plus the length check."""

    def __init__(self, *args, allow_overlap: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_overlap = allow_overlap

    @property
    def needed_frames(self) -> int:
        return self.num_clips * self.clip_len * self.frame_interval

    def transform(self, results: dict) -> dict:
        total = results['total_frames']
        if not self.allow_overlap and total < self.needed_frames:
            name = results.get('filename') or results.get('frame_dir') or '<unknown video>'
            raise ValueError(
                f'{name}: {total} frames, but {self.num_clips} clips x {self.clip_len} frames '
                f'x interval {self.frame_interval} need {self.needed_frames}: drop the video '
                f'from the list, lower num_clips / clip_len, or pass allow_overlap=True')
        return super().transform(results)
