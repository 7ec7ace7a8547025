"""Add GFLOPs per clip (selected and unselected backbone) to the test metrics."""
from __future__ import annotations

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ..flops import count_gflops


@HOOKS.register_module()
class STTSGFLOPsHook(Hook):
    """After testing, count GFLOPs of one test view with fvcore and add them to the metrics.

    Keys: ``flops/gflops`` (with token selection) and ``flops/gflops_unselected`` (the same
    backbone without selection). The clip shape is taken from the first test batch.
    """

    priority = 'LOW'

    def __init__(self, unselected: bool = True):
        self.unselected = unselected
        self._shape = None

    def before_test_epoch(self, runner) -> None:
        self._shape = None

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if self._shape is None and data_batch is not None:
            self._shape = tuple(data_batch['inputs'][0].shape[1:])  # (C, T, H, W) of one view

    def after_test_epoch(self, runner, metrics=None) -> None:
        if metrics is None or self._shape is None:
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        metrics['flops/gflops'] = count_gflops(model, self._shape, selected=True)
        if self.unselected:
            metrics['flops/gflops_unselected'] = count_gflops(model, self._shape, selected=False)
