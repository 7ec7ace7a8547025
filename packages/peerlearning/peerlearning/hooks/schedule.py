"""The official per-epoch plans of peer-learning as one hook: the drop rate r_e of the model,
the learning rate (linear warm-up, then the official cosine) and Adam's beta1 (0.9 -> 0.1 at
epoch 40, the Co-teaching convention), for every optimiser of the ``OptimWrapperDict``.

Mirrors ``main.py`` (``rate_schedule``, ``alpha_plan`` from ``lr_scheduler.py::lr_scheduler``,
``beta1_plan``, ``adjust_learning_rate``) of the official code, value for value.
"""
from __future__ import annotations

import math

from mmengine.hooks import Hook

from ..registry import HOOKS

LR_PLANS = ('official', 'constant')


def official_lr(epoch: int, base_lr: float, num_epochs: int, warmup_epochs: int = 5) -> float:
    """lr of the 0-based ``epoch``: ``np.linspace(0, lr, warmup)[epoch]`` during the warm-up
    (so epoch 0 has lr 0: it does not train), then
    ``0.5 lr (1 + cos((epoch - warmup + 1) pi / num_epochs))``: the cosine runs over all
    ``num_epochs`` although it starts after the warm-up, so it ends above 0 (official)."""
    if epoch < warmup_epochs:
        if warmup_epochs == 1:
            return 0.0
        step = base_lr / (warmup_epochs - 1)
        return base_lr if epoch == warmup_epochs - 1 else epoch * step
    return 0.5 * base_lr * (1 + math.cos((epoch - warmup_epochs + 1) * math.pi / num_epochs))


@HOOKS.register_module()
class PeerLearningScheduleHook(Hook):
    """Before every training epoch: ``model.set_epoch(epoch)`` (the drop-rate ramp), and for
    every optimiser its lr and Adam betas.

    Args:
        lr_plan: ``'official'`` (warm-up + the official cosine, :func:`official_lr`) or
            ``'constant'`` (the optimiser's lr throughout).
        warmup_epochs: Warm-up epochs of the official plan (5).
        beta1: Adam's beta1 before ``beta1_switch_epoch`` (0.9) ...
        beta1_late: ... and from it on (0.1). ``beta1_switch_epoch=None`` keeps the betas.
        beta2: Adam's beta2 (0.999).
    """

    priority = 'HIGH'

    def __init__(self, lr_plan: str = 'official', warmup_epochs: int = 5, beta1: float = 0.9,
                 beta1_late: float = 0.1, beta1_switch_epoch: int | None = 40,
                 beta2: float = 0.999):
        if lr_plan not in LR_PLANS:
            raise ValueError(f'lr_plan must be one of {LR_PLANS}, got {lr_plan!r}')
        self.lr_plan, self.warmup_epochs = lr_plan, warmup_epochs
        self.beta1, self.beta1_late, self.beta1_switch_epoch = beta1, beta1_late, \
            beta1_switch_epoch
        self.beta2 = beta2
        self.base_lrs: dict = {}

    @staticmethod
    def _optimizers(runner):
        wrapper = runner.optim_wrapper
        if hasattr(wrapper, 'items'):
            return [(name, w.optimizer) for name, w in wrapper.items()]
        return [('', wrapper.optimizer)]

    def before_train(self, runner) -> None:
        for name, optimizer in self._optimizers(runner):
            self.base_lrs[name] = [g.get('initial_lr', g['lr']) for g in optimizer.param_groups]

    def before_train_epoch(self, runner) -> None:
        epoch, num_epochs = runner.epoch, runner.max_epochs
        model = getattr(runner.model, 'module', runner.model)
        if hasattr(model, 'set_epoch'):
            model.set_epoch(epoch)
        for name, optimizer in self._optimizers(runner):
            for group, base in zip(optimizer.param_groups, self.base_lrs[name]):
                if self.lr_plan == 'official':
                    group['lr'] = official_lr(epoch, base, num_epochs, self.warmup_epochs)
                if self.beta1_switch_epoch is not None and 'betas' in group:
                    late = epoch >= self.beta1_switch_epoch
                    group['betas'] = (self.beta1_late if late else self.beta1, self.beta2)
