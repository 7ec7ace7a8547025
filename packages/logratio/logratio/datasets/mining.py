"""Dense triplet mining (the paper's mining; official ``Dense_PairDataset.py::generate_pairs``)
and the binary baseline's sampling (``Naive_PairDataset.py``), as an mmengine dataset wrapper
whose item is one mined minibatch.

For anchor ``a`` with neighbour ranks ``0 .. N-2`` (``list_nn[a]``, nearest first), a dense
minibatch is ``[a]`` + the ``k`` nearest (ranks ``0..k-1``) + ``B-k-1`` ranks drawn uniformly
without replacement from ``k .. N-2``, all in ascending rank, i.e. ascending label distance.
``B`` is the official ``--batch-size`` (150 in the README commands: the anchor and M = 149
neighbours). Each epoch re-mines every anchor (the official code builds a new dataset per
epoch) and flips the whole minibatch horizontally with probability 0.5.
"""
from __future__ import annotations

import copy

import numpy as np
import torch
from mmengine.dataset import BaseDataset, DefaultSampler
from mmengine.structures import BaseDataElement

from ..registry import DATA_SAMPLERS, DATASETS, FUNCTIONS
from .pose import load_neighbours


def _check_sizes(num_images: int, batch_size: int, first: int) -> None:
    if not first < batch_size <= num_images:
        raise ValueError(f'a mined minibatch of {batch_size} images needs {first} < batch_size '
                         f'<= {num_images} (the number of images of the split)')


def mine_dense(list_nn: np.ndarray, dist_nn: np.ndarray, num_nn: int, batch_size: int,
               rng: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
    """Dense minibatches of every anchor, in anchor order: ``(indices, distances)``, each
    ``(N, batch_size - 1)`` (the anchor itself not included). ``rng.choice`` is called once
    per anchor with the official arguments, so a ``RandomState`` seeded as the official
    ``np.random.seed`` reproduces its lists exactly (golden test)."""
    n = list_nn.shape[0]
    _check_sizes(n, batch_size, num_nn + 1)
    head = np.arange(num_nn)
    ranks = np.empty((n, batch_size - 1), dtype=np.int64)
    for a in range(n):
        tail = rng.choice(n - num_nn - 1, batch_size - num_nn - 1, replace=False) + num_nn
        tail.sort()
        ranks[a, :num_nn], ranks[a, num_nn:] = head, tail
    rows = np.arange(n)[:, None]
    return list_nn[rows, ranks], dist_nn[rows, ranks]


def mine_binary(list_nn: np.ndarray, dist_nn: np.ndarray, batch_size: int,
                rng: np.random.RandomState, num_pos_pool: int = 30,
                num_pos: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """The binary baseline's minibatches: ``num_pos`` positives drawn from the
    ``num_pos_pool`` nearest, then ``batch_size - num_pos - 1`` negatives from the other
    ranks (both unsorted, as the official code draws them)."""
    n = list_nn.shape[0]
    _check_sizes(n - num_pos_pool + num_pos, batch_size, num_pos + 1)
    ranks = np.empty((n, batch_size - 1), dtype=np.int64)
    for a in range(n):
        ranks[a, :num_pos] = rng.choice(num_pos_pool, num_pos, replace=False)
        ranks[a, num_pos:] = rng.choice(n - num_pos_pool - 1, batch_size - num_pos - 1,
                                        replace=False) + num_pos_pool
    rows = np.arange(n)[:, None]
    return list_nn[rows, ranks], dist_nn[rows, ranks]


@DATASETS.register_module()
class DenseTripletDataset:
    """Item ``a`` = the mined minibatch of anchor ``a`` for the current epoch:
    ``dict(inputs=[B images], data_samples=[B BaseDataElement(gt_dist, rank, sample_idx)])``,
    anchor first (``gt_dist`` 0), then ascending label distance.

    Args:
        dataset: The training images (``PoseRetrievalDataset`` with ``split='train'``) or its
            config; its pipeline makes each image.
        num_nn: ``k``, the nearest neighbours always included (official ``--num-NN`` 5).
        batch_size: Images per minibatch, anchor included (official ``--batch-size``).
        mode: ``'dense'`` (the paper's mining) or ``'binary'`` (the naive baseline's).
        flip_prob: Probability of flipping a whole minibatch horizontally (0.5).
        seed: Epoch ``e`` is mined with ``np.random.RandomState(seed + e)``; the flips use a
            separate stream.
    """

    def __init__(self, dataset, num_nn: int = 5, batch_size: int = 150, mode: str = 'dense',
                 flip_prob: float = 0.5, seed: int = 0, num_pos_pool: int = 30,
                 num_pos: int = 5):
        if isinstance(dataset, dict):
            dataset = DATASETS.build(dataset)
        if not isinstance(dataset, BaseDataset):
            raise TypeError(f'dataset must be a BaseDataset or its config, got {type(dataset)}')
        if mode not in ('dense', 'binary'):
            raise ValueError(f"mode must be 'dense' or 'binary', not {mode!r}")
        self.dataset = dataset
        self.num_nn, self.batch_size, self.mode = num_nn, batch_size, mode
        self.flip_prob, self.seed = flip_prob, seed
        self.num_pos_pool, self.num_pos = num_pos_pool, num_pos
        self.list_nn, self.dist_nn = load_neighbours(dataset.data_root,
                                                     getattr(dataset, 'split', 'train'),
                                                     len(dataset))
        self.metainfo = copy.deepcopy(dataset.metainfo)
        self.epoch, self._mined = 0, None

    def __len__(self) -> int:
        return len(self.dataset)

    def set_epoch(self, epoch: int) -> None:
        """Mine ``epoch`` now, in the main process, so that the loader's workers (forked
        when the epoch's iterator starts) share one mining instead of each mining again."""
        if epoch != self.epoch:
            self.epoch, self._mined = epoch, None
        self.mined()

    def mined(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(indices, distances, flips)`` of the current epoch (computed once per epoch)."""
        if self._mined is None:
            rng = np.random.RandomState(self.seed + self.epoch)
            if self.mode == 'dense':
                idx, dist = mine_dense(self.list_nn, self.dist_nn, self.num_nn, self.batch_size,
                                       rng)
            else:
                idx, dist = mine_binary(self.list_nn, self.dist_nn, self.batch_size, rng,
                                        self.num_pos_pool, self.num_pos)
            flips = np.random.RandomState([self.seed, self.epoch, 1]).random_sample(len(idx))
            self._mined = idx, dist, flips < self.flip_prob
        return self._mined

    def __getitem__(self, anchor: int) -> dict:
        idx, dist, flips = self.mined()
        members = [int(anchor)] + idx[anchor].tolist()
        gt = [0.0] + dist[anchor].tolist()
        inputs, samples = [], []
        for rank, (index, g) in enumerate(zip(members, gt)):
            item = self.dataset[index]
            image = item['inputs']
            inputs.append(torch.flip(image, dims=(-1,)) if flips[anchor] else image)
            samples.append(BaseDataElement(gt_dist=g, rank=rank, sample_idx=index,
                                           img_path=item['data_samples'].img_path,
                                           flipped=bool(flips[anchor])))
        return dict(inputs=inputs, data_samples=samples)


@FUNCTIONS.register_module()
def dense_triplet_collate(batch: list) -> dict:
    """Concatenate mined minibatches (the loader's ``batch_size`` of them; the official
    code uses one), numbering each one's samples with ``group``."""
    inputs, samples = [], []
    for group, item in enumerate(batch):
        for sample in item['data_samples']:
            sample.set_field(group, 'group')
        inputs += item['inputs']
        samples += item['data_samples']
    return dict(inputs=inputs, data_samples=samples)


@DATA_SAMPLERS.register_module()
class MinedEpochSampler(DefaultSampler):
    """``DefaultSampler`` (shuffled anchors) that also tells the dataset the epoch, so that
    each epoch is mined anew (the loop calls ``sampler.set_epoch`` before each epoch)."""

    def set_epoch(self, epoch: int) -> None:
        super().set_epoch(epoch)
        if hasattr(self.dataset, 'set_epoch'):
            self.dataset.set_epoch(epoch)
