"""BN-WVAD's data plumbing on the shared I3D-feature data set
(:class:`cvshared.datasets.video_anomaly.VideoAnomalyI3DFeatureDataset`, the official XD / UCF
layouts): the packing transform, the normal-first batch sampler of the official ``main.py``
(two loaders, normal batch then abnormal batch, concatenated) and the data check."""
from __future__ import annotations

import os.path as osp

import numpy as np
import torch
from cvshared.datasets.video_anomaly import BENCHMARKS
from cvshared.datasets.video_anomaly_synthetic import write_synthetic_video_anomaly_features
from mmcv.transforms import BaseTransform
from mmengine.dist import get_dist_info, sync_random_seed
from mmengine.registry import DATA_SAMPLERS
from mmengine.structures import BaseDataElement
from torch.utils.data import Sampler

from ..registry import TRANSFORMS

TREE = """<data_root>/
  list/{XD,UCF}_Train.list  list/{XD,UCF}_Test.list   (one crop file per line)
  frame_label/xd_gt.npy  frame_label/xd_anomaly_mask.npy   (XD)  or  frame_label/gt-ucf.npy
  <the crop files the lists name>, e.g. train/<video>__0.npy .. __4.npy"""


def check_data(data_root: str, benchmark: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree when a list / label is missing."""
    spec = BENCHMARKS[benchmark]
    for rel in (*spec['ann_file'].values(), spec['gt_file']):
        if not osp.isfile(osp.join(data_root, rel)):
            raise FileNotFoundError(
                f'{benchmark} I3D features not found: {osp.join(data_root, rel)} is missing. '
                f'Expected:\n{TREE}\n(copy list/ and frame_label/ of the official BN-WVAD / '
                'UR-DMU repository; set DATA_ROOT to the feature set root)')


def make_synthetic(root: str, benchmark: str = 'xd', seed: int = 0, **kwargs) -> dict:
    """The synthetic feature set (official layout) the synthetic config reads: 24 + 24
    training videos, 8 + 8 test videos, 1024-d, outlier runs of scale 4 (see
    :func:`cvshared.datasets.video_anomaly_synthetic.write_synthetic_video_anomaly_features`)."""
    kwargs.setdefault('num_train', (24, 24))
    kwargs.setdefault('num_test', (8, 8))
    kwargs.setdefault('num_snippets', (24, 40))
    return write_synthetic_video_anomaly_features(root, benchmark, seed=seed, **kwargs)


@TRANSFORMS.register_module()
class BnwvadPackFeatures(BaseTransform):
    """``dict(inputs=feat (N_crops, T, D) tensor, data_samples=BaseDataElement(...))`` with
    ``gt_label``, ``video_name``, ``feature_paths`` and, in test, ``gt_frame_label``."""

    KEYS = ('gt_label', 'video_name', 'feature_paths', 'gt_frame_label', 'num_snippets')

    def transform(self, results: dict) -> dict:
        sample = BaseDataElement(**{k: results[k] for k in self.KEYS if k in results})
        return dict(inputs=torch.from_numpy(np.ascontiguousarray(results['feat'])),
                    data_samples=sample)


@DATA_SAMPLERS.register_module()
class BnwvadNormalAbnormalSampler(Sampler):
    """Index order for training batches of ``batch_size`` = half normal (first) + half
    abnormal, as the official ``torch.cat((normal_batch, abnormal_batch))``.

    Each epoch shuffles the normal and the abnormal samples independently and yields
    ``min(n_normal, n_abnormal) // (batch_size / 2)`` batches (the official loaders drop the
    last incomplete batch). The dataloader's ``batch_size`` must equal ``batch_size`` here.
    Non-distributed only (the paper trains on one GPU)."""

    def __init__(self, dataset, batch_size: int, shuffle: bool = True, seed: int | None = None):
        if batch_size % 2:
            raise ValueError(f'batch_size must be even (normal + abnormal), got {batch_size}')
        if get_dist_info()[1] > 1:
            raise NotImplementedError('BnwvadNormalAbnormalSampler is not distributed')
        self.half, self.shuffle = batch_size // 2, shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        labels = np.array([int(dataset.get_data_info(i)['gt_label'])
                           for i in range(len(dataset))])
        self.normal, self.abnormal = np.flatnonzero(labels == 0), np.flatnonzero(labels == 1)
        self.num_batches = min(len(self.normal), len(self.abnormal)) // self.half
        if self.num_batches == 0:
            raise ValueError(f'a batch needs {self.half} normal and {self.half} abnormal '
                             f'training samples; the set has {len(self.normal)} normal and '
                             f'{len(self.abnormal)} abnormal')

    def __iter__(self):
        rng = np.random.default_rng(self.seed + self.epoch)
        nor, abn = self.normal, self.abnormal
        if self.shuffle:
            nor, abn = rng.permutation(nor), rng.permutation(abn)
        h = self.half
        for b in range(self.num_batches):
            yield from nor[b * h:(b + 1) * h].tolist()
            yield from abn[b * h:(b + 1) * h].tolist()

    def __len__(self) -> int:
        return self.num_batches * 2 * self.half

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch


__all__ = ['BnwvadPackFeatures', 'BnwvadNormalAbnormalSampler', 'check_data',
           'make_synthetic', 'TREE']
