"""The reference pools of HP's global hidden positives and the lambda schedule, as a hook
(official ``make_reference_pool.py`` and the training loop of ``run.py``).

* ``Pool_ag`` (task-agnostic) and ``Pool_sp`` (task-specific) are built before training from a
  second, shuffled loader over the training set (the official ``train_loader_memory``): for
  batch ``k`` and image ``j``, row ``k * batch_size + j`` is the feature of one random patch
  of that image -- ``drop(feat)`` of the ViT for ``Pool_ag``, ``drop(code_ema)`` of the EMA
  head for ``Pool_sp`` (separate random patches; the model in training mode, so with its
  ``Dropout2d``, as the official fills them) -- until ``pool_size`` rows are written; rows
  are then L2-normalised. Rows never written (a training set smaller than the pool) stay zero,
  as in the official (a zero row is a threshold of 0).
* ``Pool_sp`` is renewed the same way before iteration ``i`` of an epoch when
  ``i % renew_interval == 0 and i != 0`` (the official counts ``i`` within the epoch).
* ``lmbd`` of iteration ``t`` (0-based over the whole run, ``T`` iterations): 0 while
  ``t <= warmup``, then ``(t - warmup) / (T - warmup)`` (:func:`hp_lambda`).
"""
from __future__ import annotations

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch.utils.data import DataLoader

from ..registry import HOOKS

__all__ = ['HiddenPositivesHook', 'hp_lambda']


def hp_lambda(it: int, max_iters: int, warmup: int) -> float:
    """The official weight of the task-specific positives at iteration ``it`` (0-based)."""
    if it <= warmup:
        return 0.0
    return (it - warmup) / (max_iters - warmup)


@HOOKS.register_module()
class HiddenPositivesHook(Hook):
    """Args:
        pool_size: rows of each pool (official 2048; Potsdam 1024).
        renew_interval: iterations between renewals of ``Pool_sp`` (100 COCO-Stuff, 20
            Cityscapes / Potsdam).
        warmup: iterations with ``lmbd = 0`` (1000 / 50 / 100).
        num_workers: of the pool loader (default: the training loader's).
    """

    priority = 'NORMAL'

    def __init__(self, pool_size: int = 2048, renew_interval: int = 100, warmup: int = 1000,
                 num_workers: int | None = None):
        if pool_size < 1 or renew_interval < 1 or warmup < 0:
            raise ValueError('HiddenPositivesHook: pool_size and renew_interval must be >= 1 '
                             f'and warmup >= 0, got {pool_size}, {renew_interval}, {warmup}')
        self.pool_size = pool_size
        self.renew_interval = renew_interval
        self.warmup = warmup
        self.num_workers = num_workers
        self._loader = None

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def _memory_loader(self, runner) -> DataLoader:
        train = runner.train_dataloader
        workers = train.num_workers if self.num_workers is None else self.num_workers
        g = torch.Generator()
        g.manual_seed(int(np.random.randint(0, 2 ** 31 - 1)))
        return DataLoader(train.dataset, batch_size=train.batch_size, shuffle=True,
                          num_workers=workers, collate_fn=train.collate_fn, drop_last=True,
                          generator=g)

    @torch.no_grad()
    def fill(self, runner, which: tuple[str, ...] = ('ag', 'sp')) -> dict[str, torch.Tensor]:
        """Fill the pools named in ``which`` (rows module docstring) and install them."""
        model = self._model(runner)
        if self._loader is None:
            self._loader = self._memory_loader(runner)
        was_training = model.training
        model.train()
        pools, row = {}, 0
        for data in self._loader:
            if row >= self.pool_size:
                break
            data = model.data_preprocessor(data, False)
            feats = model.pool_features(data['inputs'])
            for name in which:
                x = feats[name].flatten(2)                                # [B, C, hw]
                pool = pools.setdefault(name, x.new_zeros(self.pool_size, x.shape[1]))
                for j in range(x.shape[0]):
                    if row + j < self.pool_size:
                        pool[row + j] = x[j, :, np.random.randint(0, x.shape[2])]
            row += feats[which[0]].shape[0]
        model.train(was_training)
        if not pools:
            raise RuntimeError('HiddenPositivesHook: the training loader gave no full batch '
                               f'(batch size {self._loader.batch_size}, '
                               f'{len(self._loader.dataset)} images) to fill the pools from')
        model.set_pools(pool_ag=pools.get('ag'), pool_sp=pools.get('sp'))
        return pools

    def before_train(self, runner) -> None:
        self.fill(runner, ('ag', 'sp'))

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        model = self._model(runner)
        model.lmbd = hp_lambda(runner.iter, runner.max_iters, self.warmup)
        if batch_idx % self.renew_interval == 0 and batch_idx != 0:
            self.fill(runner, ('sp',))
