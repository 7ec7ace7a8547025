"""Adversarial training with IKL (the card's AT recipe), as an mmpretrain ``ImageClassifier``
whose ``train_step`` crafts the adversarial batch first.

Official: ``DKLv1/Adv-training-dkl/train_dkl_cifar10.py::train`` and ``::perturb_input``.
Per batch, at (1-based) epoch ``e`` of ``E``:

1. ``eps_e = eps * e / E`` (the linear epsilon ramp), ``steps`` L-inf sign-gradient steps of
   size ``step_ratio * eps_e`` from ``x + 0.001 N(0, 1)``, ascending the sCE part of IKL only
   (``beta = 0`` inside the attack), the model in eval mode;
2. ``loss = CE(o_nat, y) + IKL(o_nat, o_adv)`` with GI pair weights from the previous epoch's
   class prior of ``softmax(o_nat / T)`` (:class:`~dkl.models.losses.ClassPrior`).

``method='pgd_at'`` is the baseline of our learning test, PGD adversarial training with
cross-entropy (Madry et al. 2018) under the same attack schedule: the attack ascends
``CE(o_adv, y)`` and the loss is ``CE(o_adv, y)``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmpretrain.models import ImageClassifier

from ..registry import MODELS
from .losses import ClassPrior


def check_epsilon(eps: float, name: str = 'eps') -> float:  # candidate for cvshared
    """``eps`` as a float in [0, 1] (a fraction of the [0, 1] pixel range), else ValueError."""
    eps = float(eps)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f'attack {name}={eps} is outside [0, 1]: it is a fraction of the '
                         f'[0, 1] pixel range (8/255 = {8 / 255:.5f} for CIFAR L-inf), not '
                         f'a value in 0..255')
    return eps


def check_unit_range(x: torch.Tensor) -> None:
    """The attacks work on [0, 1] images: say how to get them when the batch is not."""
    lo, hi = float(x.min()), float(x.max())
    if lo < -1e-6 or hi > 1 + 1e-6:
        raise ValueError(f'adversarial training/evaluation needs model inputs in [0, 1], got '
                         f'[{lo:.3f}, {hi:.3f}]: set data_preprocessor=dict(type='
                         "'ClsDataPreprocessor', mean=[0, 0, 0], std=[255, 255, 255]) (the "
                         'official code does not normalise)')


# candidate for cvshared (adversarial training)
def linf_attack(forward, x: torch.Tensor, loss_fn, eps: float, step_size: float,
                steps: int, init_std: float = 0.001) -> torch.Tensor:
    """L-inf sign-gradient ascent of ``loss_fn(forward(x_adv))`` within ``eps`` of ``x``, in
    [0, 1]; starts from ``x + init_std * N(0, 1)`` (unclamped, as the official)."""
    x = x.detach()
    # scaled in the default dtype, then cast (the official's float32 noise)
    x_adv = x + (init_std * torch.randn(x.shape, device=x.device)).to(x.dtype)
    for _ in range(steps):
        x_adv.requires_grad_(True)
        with torch.enable_grad():
            loss = loss_fn(forward(x_adv))
        grad, = torch.autograd.grad(loss, [x_adv])
        x_adv = x_adv.detach() + step_size * grad.sign()
        x_adv = torch.min(torch.max(x_adv, x - eps), x + eps).clamp(0.0, 1.0)
    return x_adv.detach()


@MODELS.register_module()
class IKLAdvClassifier(ImageClassifier):
    """An ``ImageClassifier`` trained adversarially with IKL (or with PGD-AT, the baseline).

    Args:
        num_classes: Classes (size of the class prior).
        robust_loss: The IKL loss config (CIFAR-10: ``alpha=4, beta=20``, GI on).
        eps: L-inf budget in [0, 1] (8/255).
        steps: Attack steps during training (official ``--train_budget high`` runs 5).
        step_ratio: Step size as a fraction of the current epsilon (official 'high': 1/2).
        ramp: Linear epsilon ramp ``eps * epoch / max_epochs``.
        prior_temperature: ``T`` of the class prior ``softmax(o_nat / T)`` (official 4).
        method: ``'ikl'`` or ``'pgd_at'`` (cross-entropy adversarial training).
        backbone, neck, head, data_preprocessor, init_cfg: as ``ImageClassifier``.
    """

    def __init__(self, backbone: dict, head: dict, num_classes: int, neck=None,
                 robust_loss: dict | None = None, eps: float = 8 / 255, steps: int = 5,
                 step_ratio: float = 0.5, ramp: bool = True, prior_temperature: float = 4.0,
                 method: str = 'ikl', data_preprocessor=None, init_cfg=None, **kwargs):
        super().__init__(backbone=backbone, neck=neck, head=head,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg, **kwargs)
        if method not in ('ikl', 'pgd_at'):
            raise ValueError(f"method must be 'ikl' or 'pgd_at', not {method!r}")
        if steps < 1 or step_ratio <= 0:
            raise ValueError(f'attack needs steps >= 1 and step_ratio > 0, got {steps}, '
                             f'{step_ratio}')
        self.eps = check_epsilon(eps)
        self.steps, self.step_ratio, self.ramp = int(steps), float(step_ratio), ramp
        self.method, self.prior_temperature = method, prior_temperature
        self.robust_loss = MODELS.build(robust_loss or dict(
            type='IKLLoss', alpha=4.0, beta=20.0, use_gi=True))
        self.class_prior = ClassPrior(num_classes)
        self._prior_epoch = None

    # -- the schedule -------------------------------------------------------------------
    def epoch_and_total(self) -> tuple[int, int]:
        """(0-based epoch, max_epochs) from mmengine's message hub (1, 1 outside a runner)."""
        hub = MessageHub.get_current_instance()
        return int(hub.get_info('epoch', 0)), int(hub.get_info('max_epochs', 1) or 1)

    def current_epsilon(self, epoch: int, max_epochs: int) -> float:
        """``eps * (epoch + 1) / max_epochs`` with the ramp (official 1-based ``e / E``)."""
        return self.eps * min((epoch + 1) / max_epochs, 1.0) if self.ramp else self.eps

    def _next_epoch_if_changed(self, epoch: int) -> None:
        if self._prior_epoch is not None and epoch != self._prior_epoch:
            self.class_prior.end_epoch()
        self._prior_epoch = epoch

    # -- pieces ---------------------------------------------------------------------------
    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.extract_feat(x))

    def craft(self, x: torch.Tensor, labels: torch.Tensor, eps: float) -> torch.Tensor:
        """The training attack (model in eval mode while it runs, as the official)."""
        was_training = self.training
        self.eval()
        try:
            if self.method == 'ikl':
                with torch.no_grad():
                    o_nat = self.logits(x)
                # beta = 0: only the sCE part (the sign makes alpha irrelevant)
                loss_fn = lambda o_adv: self.robust_loss(o_nat, o_adv, labels,  # noqa: E731
                                                         self.class_prior.prior, beta=0.0)
            else:
                loss_fn = lambda o_adv: F.cross_entropy(o_adv, labels)  # noqa: E731
            return linf_attack(self.logits, x, loss_fn, eps, self.step_ratio * eps, self.steps)
        finally:
            self.train(was_training)

    def adversarial_losses(self, x: torch.Tensor, labels: torch.Tensor,
                           x_adv: torch.Tensor) -> dict:
        """The training losses for a crafted batch (two forwards, adversarial first, as the
        official: batch-norm statistics are per forward)."""
        o_adv = self.logits(x_adv)
        if self.method == 'pgd_at':
            return dict(loss_ce_adv=F.cross_entropy(o_adv, labels))
        o_nat = self.logits(x)
        self.class_prior.update(labels, F.softmax(o_nat.detach() / self.prior_temperature, 1))
        return dict(loss_ce=F.cross_entropy(o_nat, labels),
                    loss_ikl=self.robust_loss(o_nat, o_adv, labels, self.class_prior.prior))

    def adversarial_step(self, x: torch.Tensor, samples) -> dict:
        """Range check, epsilon of the current epoch, GI prior switch, attack, losses."""
        check_unit_range(x)
        labels = torch.cat([s.gt_label for s in samples]).to(x.device)
        epoch, total = self.epoch_and_total()
        self._next_epoch_if_changed(epoch)
        x_adv = self.craft(x, labels, self.current_epsilon(epoch, total))
        return self.adversarial_losses(x, labels, x_adv)

    def train_step(self, data, optim_wrapper):
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = self.adversarial_step(data['inputs'], data['data_samples'])
        parsed, log_vars = self.parse_losses(losses)
        optim_wrapper.update_params(parsed)
        return log_vars

    def loss(self, inputs, data_samples):
        """``mode='loss'``: the same step. mmengine's ``MMDistributedDataParallel.train_step``
        calls ``forward(mode='loss')`` instead of the module's ``train_step``, so multi-GPU
        training goes through here."""
        return self.adversarial_step(inputs, data_samples)
