"""IRN's displacement mean shift (``step/train_irn.py``, after training): the mean of the
displacement field over the training list, stored in ``model.mean_shift.running_mean`` and
subtracted at inference.  :func:`compute_mean_shift` is the computation; :class:`MeanShiftHook`
runs it after the last training epoch on the runner's train dataloader, before the
``CheckpointHook`` (priority ``LOW`` > ``VERY_LOW``) saves that epoch, so the saved checkpoint
holds the shift (the official saves the model after computing it)."""
from __future__ import annotations

import torch
from mmengine.hooks import Hook

from ..registry import HOOKS


@torch.no_grad()
def compute_mean_shift(model, batches) -> torch.Tensor:
    """Mean over batches of the per-batch mean displacement ``(2,)`` (official: mean of
    ``mean(dp, dim=(0, 2, 3))`` over the batches, in eval mode, with the shift at 0); sets it
    on ``model.mean_shift.running_mean`` and returns it."""
    was_training = model.training
    model.eval()
    model.mean_shift.running_mean.zero_()
    means = []
    for inputs in batches:
        _, disp = model.branches(inputs)
        means.append(disp.mean(dim=(0, 2, 3)))
    if not means:
        raise ValueError('compute_mean_shift: no batches (empty training list)')
    shift = torch.stack(means).mean(0)
    model.mean_shift.running_mean.copy_(shift)
    model.train(was_training)
    return shift


@HOOKS.register_module()
class MeanShiftHook(Hook):
    """After the last training epoch, sets IRNet's mean shift from the train dataloader's
    images (before the checkpoint of that epoch is written)."""

    priority = 'LOW'

    def after_train_epoch(self, runner) -> None:
        if runner.epoch + 1 < runner.max_epochs:
            return
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model

        def batches():
            for data in runner.train_dataloader:
                yield model.data_preprocessor(data, False)['inputs']

        shift = compute_mean_shift(model, batches())
        runner.logger.info(f'IRN displacement mean shift: {shift.tolist()}')
