"""The official learning-rate schedule (``main.py::adjust_learning_rate``, after the Lua SGD
optimizer): ``lr_t = lr_0 / (1 + t * decay)`` with ``t`` the number of optimizer steps taken,
updated every iteration. mmengine has no inverse-time decay, hence this scheduler."""
from __future__ import annotations

from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler

from .registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class InverseTimeParamScheduler(_ParamScheduler):
    """``value_t = value_0 / (1 + t * decay)``, ``t`` = steps since ``begin`` (chainable form:
    each step multiplies by ``(1 + (t-1) decay) / (1 + t decay)``, so it composes with other
    schedulers as mmengine's do).

    Args:
        optimizer: The (wrapped) optimizer.
        param_name: The parameter to schedule (``lr``).
        decay: ``decay`` above (official ``--lr-decay``, 1e-4 in the README commands).
        begin, end, last_step, by_epoch, verbose: as every mmengine scheduler; the official
            schedule is per iteration (``by_epoch=False``).
    """

    def __init__(self, optimizer, param_name: str, decay: float = 1e-4, begin: int = 0,
                 end: int = INF, last_step: int = -1, by_epoch: bool = False,
                 verbose: bool = False):
        if decay < 0:
            raise ValueError(f'decay must be >= 0, got {decay}')
        self.decay = decay
        super().__init__(optimizer, param_name=param_name, begin=begin, end=end,
                         last_step=last_step, by_epoch=by_epoch, verbose=verbose)

    def _get_value(self):
        t = self.last_step - self.begin
        if t == 0:
            return [group[self.param_name] for group in self.optimizer.param_groups]
        factor = (1 + (t - 1) * self.decay) / (1 + t * self.decay)
        return [group[self.param_name] * factor for group in self.optimizer.param_groups]


@PARAM_SCHEDULERS.register_module()
class InverseTimeLR(LRSchedulerMixin, InverseTimeParamScheduler):
    """:class:`InverseTimeParamScheduler` on ``lr`` (``dict(type='InverseTimeLR',
    decay=1e-4, by_epoch=False)``)."""
