"""Class-balanced batches for deep metric learning, in mmengine's root ``DATA_SAMPLERS``.

``MPerClassSampler(dataset, batch_size, m)`` yields indices so that every consecutive run of
``batch_size`` indices holds ``batch_size / m`` distinct classes with ``m`` images each (the
AntiCo "class-random" sampler with 2 per class, Proxy Anchor's optional ``--IPC`` sampler).
Set the dataloader's ``batch_size`` to the same value (mmengine builds the sampler before the
loader and cannot pass it on; the config bases ``configs/_base_/datasets/{cub,...}.py`` tie
both to one variable).

Per epoch (seeded by ``seed + epoch``, so every rank draws the same plan):

1. every class's image list is shuffled;
2. classes are visited in a random order, ``m`` images at a time (a class with ``n`` images gives
   ``n // m`` groups; the remainder is dropped this epoch, drawn again the next);
3. groups are packed into batches of ``batch_size / m`` groups of distinct classes;
4. the epoch has ``len(dataset) // batch_size`` batches (as pytorch-metric-learning's
   ``MPerClassSampler`` with ``length_before_new_iter = len(dataset)``); when the groups run out
   before that, a new shuffled round of groups is appended.

With several ranks, rank ``r`` takes batches ``r, r + W, ...`` (each rank gets whole
class-balanced batches). Errors: a class with fewer than ``max(m, 2)`` images (names the class
and its count), ``batch_size`` not a multiple of ``m``, fewer classes than
``batch_size / m``.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from mmengine.registry import DATA_SAMPLERS
from torch.utils.data import Sampler

__all__ = ['MPerClassSampler', 'dataset_labels']


def dataset_labels(dataset) -> list[int]:
    """The ``gt_label`` of every sample of an mmengine dataset, without running the pipeline."""
    if hasattr(dataset, 'get_gt_labels'):
        return [int(x) for x in np.asarray(dataset.get_gt_labels()).reshape(-1)]
    return [int(np.asarray(dataset.get_data_info(i)['gt_label']).reshape(-1)[0])
            for i in range(len(dataset))]


def _class_names(dataset) -> tuple | None:
    meta = getattr(dataset, 'metainfo', None) or {}
    return meta.get('classes')


@DATA_SAMPLERS.register_module()
class MPerClassSampler(Sampler):
    """Class-balanced sampler: ``batch_size // m`` classes x ``m`` images per batch.

    Args:
        dataset: An mmengine dataset whose data infos hold ``gt_label``.
        batch_size: Images per batch (must equal the dataloader's ``batch_size``).
        m: Images per class in a batch.
        seed: Random seed (``None``: a seed synchronised across ranks).
        num_batches: Batches per epoch over all ranks (default ``len(dataset) // batch_size``).
    """

    def __init__(self, dataset, batch_size: int, m: int = 2, seed: int | None = None,
                 num_batches: int | None = None):
        if m < 1 or batch_size % m:
            raise ValueError(f'MPerClassSampler: batch_size ({batch_size}) must be a positive '
                             f'multiple of m ({m})')
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.m = int(m)
        self.classes_per_batch = self.batch_size // self.m
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.rank, self.world_size = get_dist_info()
        self.epoch = 0
        by_class: dict[int, list[int]] = defaultdict(list)
        for idx, lab in enumerate(dataset_labels(dataset)):
            by_class[lab].append(idx)
        self.by_class = {c: np.asarray(v, dtype=np.int64) for c, v in sorted(by_class.items())}
        need = max(self.m, 2)
        names = _class_names(dataset)
        for c, idx in self.by_class.items():
            if len(idx) < need:
                name = f' ({names[c]!r})' if names is not None and 0 <= c < len(names) else ''
                raise ValueError(
                    f'MPerClassSampler: class {c}{name} has {len(idx)} image(s), fewer than '
                    f'max(m, 2) = {need} (m = {self.m} images per class per batch). Remove the '
                    f'class from the training list, add images, or lower m.')
        if len(self.by_class) < self.classes_per_batch:
            raise ValueError(f'MPerClassSampler: a batch needs {self.classes_per_batch} distinct '
                             f'classes (batch_size {batch_size} / m {m}), the data set has '
                             f'{len(self.by_class)}')
        total = num_batches if num_batches is not None else len(dataset) // self.batch_size
        if total < 1:
            raise ValueError(f'MPerClassSampler: {len(dataset)} images make no batch of '
                             f'{self.batch_size}')
        self.num_batches_total = int(total)
        self.num_batches = len(range(self.rank, self.num_batches_total, self.world_size))

    def _groups(self, rng: np.random.Generator) -> list[list[np.ndarray]]:
        """One round: per class, its shuffled images cut into groups of m; returns batches."""
        queues = {c: [perm[i:i + self.m] for i in range(0, len(perm) - self.m + 1, self.m)]
                  for c, perm in ((c, rng.permutation(v)) for c, v in self.by_class.items())}
        batches = []
        while True:
            alive = [c for c, q in queues.items() if q]
            if len(alive) < self.classes_per_batch:
                return batches
            # draw classes with probability proportional to their remaining groups
            weights = np.array([len(queues[c]) for c in alive], dtype=np.float64)
            chosen = rng.choice(len(alive), size=self.classes_per_batch, replace=False,
                                p=weights / weights.sum())
            batches.append([queues[alive[i]].pop() for i in chosen])

    def plan(self, epoch: int | None = None) -> list[np.ndarray]:
        """All batches of an epoch (over all ranks), each an index array of ``batch_size``."""
        rng = np.random.default_rng([self.seed, self.epoch if epoch is None else epoch])
        batches: list[np.ndarray] = []
        while len(batches) < self.num_batches_total:
            batches += [np.concatenate(b) for b in self._groups(rng)]
        return batches[:self.num_batches_total]

    def __iter__(self) -> Iterator[int]:
        plan = self.plan()
        for b in range(self.rank, self.num_batches_total, self.world_size):
            yield from (int(i) for i in plan[b])

    def __len__(self) -> int:
        return self.num_batches * self.batch_size

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)
