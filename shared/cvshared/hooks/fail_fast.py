"""Stop training at the first non-finite loss or gradient norm, and never save NaN weights.

Without it a diverging run goes on to the end: MSFlow trained NaN for every epoch, saved NaN
checkpoints and died only in scikit-learn; STTS and HFAN exited 0 with chance-level metrics.
:class:`FailFastHook` sits in ``default_hooks.fail_fast`` of every runtime base in
``configs/_base_/runtime/`` and checks three things:

1. each loss term the model returned (the log variables whose name contains ``loss``, and the
   total ``loss``): as soon as ``BaseModel.parse_losses`` has summed them, before the backward
   pass, and again after every training iteration (for models with their own ``train_step``);
2. before every optimizer step, the global L2 norm of the gradients (a pre-step hook on each
   optimizer; under AMP's dynamic loss scale a step with inf gradients is skipped by the
   ``GradScaler`` before it reaches the optimizer, so that expected overflow is not an error);
3. before a checkpoint is written, every floating tensor of the model's state dict.

The first failure raises :class:`NonFiniteTrainingError` naming the iteration, the terms (or
parameters) that went non-finite and the last good checkpoint to resume from. The hook runs
with priority ``VERY_HIGH``, before ``CheckpointHook``, so the failing iteration is never saved.
"""
from __future__ import annotations

import math
import os.path as osp

import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


class NonFiniteTrainingError(FloatingPointError):
    """Training produced a NaN or infinite loss, gradient norm or weight."""


def _as_float(value) -> float | None:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            return float('nan') if not torch.isfinite(value).all() else 0.0
        return float(value.detach())
    if isinstance(value, (int, float)):
        return float(value)
    return None


@HOOKS.register_module()
class FailFastHook(Hook):
    """Raise at the first non-finite loss term, gradient norm or checkpointed weight.

    Args:
        check_loss: Check the loss terms after every training iteration.
        check_grad: Check the global gradient norm before every optimizer step.
        check_checkpoint: Check the model's weights before a checkpoint is written.
    """

    priority = 'VERY_HIGH'

    def __init__(self, check_loss: bool = True, check_grad: bool = True,
                 check_checkpoint: bool = True):
        self.check_loss = check_loss
        self.check_grad = check_grad
        self.check_checkpoint = check_checkpoint
        self._handles = []
        self._names = {}
        self._wrapped = None

    # -- helpers --------------------------------------------------------------------------
    @staticmethod
    def last_good_checkpoint(runner) -> str | None:
        """The checkpoint ``CheckpointHook`` wrote last (its ``last_checkpoint`` file)."""
        record = osp.join(runner.work_dir, 'last_checkpoint')
        if osp.isfile(record):
            with open(record) as f:
                path = f.read().strip()
            return path or None
        return None

    def _fail(self, runner, what: str) -> None:
        last = self.last_good_checkpoint(runner)
        fix = ('after lowering the learning rate (optim_wrapper.optimizer.lr) or enabling '
               'gradient clipping (optim_wrapper.clip_grad)')
        resume = (f'The last good checkpoint is {last}: resume from it with '
                  f'`tools/train.py CONFIG --resume {last}` {fix}' if last else
                  f'No checkpoint was saved before this point: train again {fix}')
        self._restore()
        raise NonFiniteTrainingError(
            f'Training diverged at iteration {runner.iter + 1} (epoch {runner.epoch + 1}): '
            f'{what}. {resume}. Stopped by FailFastHook (default_hooks.fail_fast); no '
            'checkpoint of the diverged weights was written.')

    # -- gradient norm --------------------------------------------------------------------
    def _optimizers(self, runner):
        wrapper = getattr(runner, 'optim_wrapper', None)
        if wrapper is None:
            return []
        wrappers = wrapper.values() if hasattr(wrapper, 'optim_wrappers') else [wrapper]
        return [w.optimizer for w in wrappers]

    def before_train(self, runner) -> None:
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        if self.check_loss and hasattr(model, 'parse_losses'):
            self._wrap_parse_losses(runner, model)
        if not self.check_grad:
            return
        self._names = {id(p): n for n, p in model.named_parameters()}
        for optimizer in self._optimizers(runner):
            self._handles.append(optimizer.register_step_pre_hook(
                lambda opt, args, kwargs, runner=runner: self._check_grads(runner, opt)))

    def after_train(self, runner) -> None:
        self._restore()

    def _restore(self) -> None:
        """Remove the optimizer pre-step hooks and unwrap ``parse_losses`` (mmengine calls no
        ``after_train`` when training raised, so :meth:`_fail` calls this too)."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
        if self._wrapped is not None:
            model, original = self._wrapped
            model.parse_losses = original
            self._wrapped = None

    def _wrap_parse_losses(self, runner, model) -> None:
        """Check the loss terms when the model sums them, before ``backward`` runs."""
        original = model.parse_losses

        def parse_losses(losses):
            parsed, log_vars = original(losses)
            self._check_loss_terms(runner, log_vars)
            return parsed, log_vars

        model.parse_losses = parse_losses
        self._wrapped = (model, original)

    def _check_grads(self, runner, optimizer) -> None:
        grads = [p.grad for group in optimizer.param_groups for p in group['params']
                 if p.grad is not None]
        if not grads:
            return
        norm = torch.linalg.vector_norm(
            torch.stack([torch.linalg.vector_norm(g.detach().float()) for g in grads]))
        if torch.isfinite(norm):
            return
        bad = [self._names.get(id(p), '?') for group in optimizer.param_groups
               for p in group['params']
               if p.grad is not None and not torch.isfinite(p.grad).all()]
        shown = ', '.join(bad[:5]) + (f' and {len(bad) - 5} more' if len(bad) > 5 else '')
        self._fail(runner, f'the gradient norm is {float(norm)}; non-finite gradients in '
                           f'{len(bad)} parameter(s): {shown}')

    # -- loss terms -----------------------------------------------------------------------
    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self.check_loss and isinstance(outputs, dict):
            self._check_loss_terms(runner, outputs)

    def _check_loss_terms(self, runner, log_vars) -> None:
        bad = {}
        for name, value in log_vars.items():
            if 'loss' not in name:
                continue
            number = _as_float(value)
            if number is not None and not math.isfinite(number):
                bad[name] = number
        if bad:
            terms = ', '.join(f'{k} = {v}' for k, v in bad.items())
            self._fail(runner, f'non-finite loss: {terms}')

    # -- checkpoints ----------------------------------------------------------------------
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if not self.check_checkpoint:
            return
        state = checkpoint.get('state_dict') or {}
        bad = [k for k, v in state.items()
               if isinstance(v, torch.Tensor) and v.is_floating_point()
               and not torch.isfinite(v).all()]
        if bad:
            shown = ', '.join(bad[:5]) + (f' and {len(bad) - 5} more' if len(bad) > 5 else '')
            self._fail(runner, f'{len(bad)} weight tensor(s) are non-finite ({shown}); the '
                               'checkpoint was not saved')
