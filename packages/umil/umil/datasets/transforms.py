"""UMIL's data transforms (``datasets/build.py`` pipelines of the official code).

Training: mmaction2 ``SampleFrames(clip_len=5, frame_interval=6, num_clips=16)``,
``RawFrameDecode``, ``Resize(scale=(-1, 256/224 * size))``, then :class:`UMILWeakStrongViews`:
the weak view is ``CenterCrop(size)``; the strong view is the official
``MultiScaleCrop(scales=(1, .875, .75, .66), random_crop=False) + Resize(size)``, then
torchvision's ``ColorJitter(0.4, 0.4, 0.2, 0.1)`` with p 0.8, ``RandomGrayscale`` p 0.2 and
``RandAugment(num_ops=2, magnitude=10)``, each drawn once per video and applied to all its
frames (torchvision v2 on a ``[T, 3, H, W]`` video tensor). Both views come from the SAME
sampled frames (the official samples the strong view's frames a second time).
Scoring the training set: :class:`UMILSegmentClips` (one centre clip per 30-frame segment).
"""
from __future__ import annotations

import numpy as np
import torch
from mmaction.datasets.transforms import CenterCrop, MultiScaleCrop, Resize, SampleFrames
from mmcv.transforms import BaseTransform
from mmengine.structures import BaseDataElement

from ..registry import TRANSFORMS
from ..split import num_segments


def strong_view_transform(jitter_p: float = 0.8, gray_p: float = 0.2, rand_n: int = 2,
                          rand_m: int = 10):
    """The strong view's photometric part (torchvision v2), on uint8 ``[T, 3, H, W]``."""
    from torchvision.transforms import v2
    return v2.Compose([
        v2.RandomApply([v2.ColorJitter(0.4, 0.4, 0.2, 0.1)], p=jitter_p),
        v2.RandomGrayscale(p=gray_p),
        v2.RandAugment(num_ops=rand_n, magnitude=rand_m),
    ])


def _stack(imgs) -> torch.Tensor:
    """List of ``H x W x 3`` uint8 frames -> ``[N, 3, H, W]`` uint8."""
    return torch.from_numpy(np.ascontiguousarray(np.stack(imgs))).permute(0, 3, 1, 2)


@TRANSFORMS.register_module()
class UMILWeakStrongViews(BaseTransform):
    """``imgs`` (decoded, resized frames, ``num_clips * clip_len``) -> ``views``
    ``[2, num_clips, clip_len, 3, size, size]`` uint8 (0 = weak, 1 = strong).

    Args:
        size: crop size (224 officially).
        clip_len: frames per clip (5).
        strong: ``False`` gives the weak view twice (an ablation / test switch).
    """

    def __init__(self, size: int = 224, clip_len: int = 5, jitter_p: float = 0.8,
                 gray_p: float = 0.2, rand_n: int = 2, rand_m: int = 10, strong: bool = True):
        self.size, self.clip_len, self.strong = size, clip_len, strong
        self.center = CenterCrop(crop_size=size)
        self.msc = MultiScaleCrop(input_size=size, scales=(1, 0.875, 0.75, 0.66),
                                  random_crop=False, max_wh_scale_gap=1)
        self.resize = Resize(scale=(size, size), keep_ratio=False)
        self.photometric = strong_view_transform(jitter_p, gray_p, rand_n, rand_m)

    def transform(self, results: dict) -> dict:
        base = {k: v for k, v in results.items() if k != 'imgs'}
        weak = self.center.transform(dict(base, imgs=list(results['imgs'])))['imgs']
        weak = _stack(weak)
        if self.strong:
            strong = self.msc.transform(dict(base, imgs=list(results['imgs'])))
            strong = self.resize.transform(strong)['imgs']
            strong = self.photometric(_stack(strong))
        else:
            strong = weak.clone()
        n = weak.shape[0]
        if n % self.clip_len:
            raise ValueError(f'{n} frames are not whole clips of {self.clip_len}')
        shape = (n // self.clip_len, self.clip_len, 3, self.size, self.size)
        results['views'] = torch.stack([weak.reshape(shape), strong.reshape(shape)])
        return results


@TRANSFORMS.register_module()
class UMILSegmentClips(BaseTransform):
    """Test-mode clips of a training video for the score history: one ``SampleFrames``
    test-mode clip (``clip_len``, ``frame_interval``) inside each ``seg_len`` segment (the
    official ``RawFramesTestDataset``, which drops a last segment shorter than 5 frames).
    Sets ``frame_inds`` (``num_segments * clip_len``) and ``num_snippets``."""

    def __init__(self, clip_len: int = 5, frame_interval: int = 6, seg_len: int = 30):
        self.sampler = SampleFrames(clip_len=clip_len, frame_interval=frame_interval,
                                    num_clips=1, test_mode=True)
        self.seg_len = seg_len

    def transform(self, results: dict) -> dict:
        total = int(results['total_frames'])
        n = num_segments(total, self.seg_len)
        inds = []
        for i in range(n):
            start = i * self.seg_len
            length = min(self.seg_len, total - start)
            sub = self.sampler.transform(dict(total_frames=length, start_index=0))
            inds.append(sub['frame_inds'] + start)
        results['frame_inds'] = np.concatenate(inds).astype(np.int64)
        results['clip_len'], results['num_clips'] = self.sampler.clip_len, n
        results['frame_interval'] = self.sampler.frame_interval
        results['num_snippets'] = n
        return results


@TRANSFORMS.register_module()
class UMILPackInputs(BaseTransform):
    """``inputs``: ``views`` (training, ``[2, K, T, 3, H, W]``) or the frames as clips
    (``[K, T, 3, H, W]``, test / scoring), uint8; ``data_samples``: a ``BaseDataElement``
    with the video fields the stages and the metric read."""

    KEYS = ('label', 'gt_label', 'total_frames', 'frame_inds', 'video_name', 'gt_frame_label',
            'intervals', 'num_snippets', 'sample_idx', 'frame_dir')

    def __init__(self, clip_len: int = 5):
        self.clip_len = clip_len

    def transform(self, results: dict) -> dict:
        if 'views' in results:
            inputs = results['views']
        else:
            x = _stack(results['imgs'])
            inputs = x.reshape(-1, self.clip_len, *x.shape[1:])
        meta = {k: results[k] for k in self.KEYS if k in results}
        return dict(inputs=inputs, data_samples=BaseDataElement(**meta))
