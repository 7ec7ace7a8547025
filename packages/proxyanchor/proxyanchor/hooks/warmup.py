"""The official warm-up (``code/train.py --warm N``): for the first ``N`` epochs only the new
layers (the embedding layer and the proxies) train; the pretrained backbone is frozen."""
from __future__ import annotations

from mmengine.hooks import Hook

from ..registry import HOOKS


@HOOKS.register_module()
class BackboneWarmupHook(Hook):
    """Freeze every parameter whose name does not start with one of ``trainable`` during the
    first ``warm_epochs`` epochs; give them back their ``requires_grad`` at epoch
    ``warm_epochs``.

    Args:
        warm_epochs: The official ``--warm`` (1 for BN-Inception, 5 for ResNet-50 on CUB / Cars;
            0 disables the hook).
        trainable: Name prefixes (of the model's ``named_parameters``) that keep training: the
            embedding layer (``image_encoder.1.``, the ``EmbeddingNeck``) and ``head.`` (the
            proxies) in the retriever.

    Frozen parameters get no gradient, so AdamW neither steps nor decays them, as in the
    official loop. On resume past the warm-up nothing is frozen. Unlike the official loop, which
    sets ``requires_grad=True`` on every parameter at the end of the warm-up (so its frozen
    BatchNorm affine parameters train from then on), the hook restores the flags it changed
    only: parameters frozen by the config (``norm_cfg.requires_grad=False``) stay frozen.
    """

    priority = 'NORMAL'

    def __init__(self, warm_epochs: int = 1, trainable=('image_encoder.1.', 'head.')):
        if warm_epochs < 0:
            raise ValueError(f'BackboneWarmupHook: warm_epochs must be >= 0, got {warm_epochs}')
        self.warm_epochs = int(warm_epochs)
        self.trainable = tuple(trainable)
        self._frozen: list = []

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if hasattr(model, 'module') else model

    def freeze(self, model) -> list[str]:
        """Freeze the warm-up's parameters; returns their names."""
        names = [n for n, _ in model.named_parameters()]
        if not any(n.startswith(self.trainable) for n in names):
            raise ValueError(
                f'BackboneWarmupHook: no parameter name starts with {self.trainable}, so the '
                f'warm-up would freeze the whole model; parameter names start with '
                f'{sorted({n.split(".")[0] for n in names})}: set trainable= accordingly')
        frozen = []
        for name, param in model.named_parameters():
            if param.requires_grad and not name.startswith(self.trainable):
                param.requires_grad_(False)
                frozen.append(name)
        self._frozen = frozen
        return frozen

    def unfreeze(self, model) -> None:
        params = dict(model.named_parameters())
        for name in self._frozen:
            params[name].requires_grad_(True)
        self._frozen = []

    def before_train_epoch(self, runner) -> None:
        model = self._model(runner)
        if runner.epoch < self.warm_epochs and not self._frozen:
            frozen = self.freeze(model)
            runner.logger.info(f'BackboneWarmupHook: epoch {runner.epoch + 1} of '
                               f'{self.warm_epochs} warm-up epochs, {len(frozen)} parameter '
                               f'tensors frozen (training only {self.trainable})')
        elif runner.epoch >= self.warm_epochs and self._frozen:
            self.unfreeze(model)
            runner.logger.info('BackboneWarmupHook: warm-up over, the backbone trains')

    def after_train(self, runner) -> None:
        if self._frozen:   # training ended inside the warm-up
            self.unfreeze(self._model(runner))
