"""STTS MViT schedule: during the first epochs only the scorer networks train."""
from __future__ import annotations

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper


@HOOKS.register_module()
class STTSBackboneWarmupHook(Hook):
    """Freeze every parameter whose name lacks ``trainable_key`` for ``warmup_epochs`` epochs.

    STTS (``MViT/slowfast/models/optimizer.py``) gives the backbone a learning rate of 0 for the
    first ``WARMUP_EPOCHS`` (3) epochs, so only the ``predictor`` groups move. Freezing
    (``requires_grad=False``) is equivalent for AdamW: parameters without gradient are neither
    updated nor decayed. Under DistributedDataParallel set ``find_unused_parameters=True``.
    """

    priority = 'NORMAL'

    def __init__(self, warmup_epochs: int = 3, trainable_key: str = 'predictor'):
        self.warmup_epochs = warmup_epochs
        self.trainable_key = trainable_key

    def before_train_epoch(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        frozen = runner.epoch < self.warmup_epochs
        for name, p in model.named_parameters():
            if self.trainable_key not in name:
                p.requires_grad_(not frozen)
