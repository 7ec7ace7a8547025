"""Knowledge distillation with IKL: an mmpretrain ``ImageClassifier`` (the student) holding a
frozen teacher (mmrazor is not in the pinned stack, so no SingleTeacherDistill).

Official: ``DKLv1/KD-dkl/mdistiller/distillers/IKL_KD.py::IKL_KD.forward_train`` and the GI
prior of ``mdistiller/engine/trainer.py::train_epoch``::

    loss = ce_weight * CE(o_s, y) + min(e / warmup, 1) * IKL(o_t, o_s)      (1-based epoch e)

with the GI prior accumulated from ``softmax(o_t / T2)``.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from cvshared.checkpoint import load_checkpoint_file
from mmengine.logging import MessageHub, print_log
from mmpretrain.models import ImageClassifier

from ..registry import MODELS
from .losses import ClassPrior


def _num_classes(model: nn.Module) -> int | None:
    head = getattr(model, 'head', None)
    return getattr(head, 'num_classes', None)


def load_teacher(teacher: nn.Module, checkpoint: str,  # candidate for cvshared (KD)
                 student_classes: int | None) -> None:
    """Load ``checkpoint`` into ``teacher`` strictly; a class-count mismatch with the student
    or between the checkpoint and the teacher config raises ``ValueError`` naming both."""
    payload = load_checkpoint_file(checkpoint)
    state = payload.get('state_dict', payload) if isinstance(payload, dict) else None
    if not isinstance(state, dict):
        raise ValueError(f'teacher checkpoint {checkpoint} holds no state dict')
    state = {k.removeprefix('module.'): v for k, v in state.items()}
    teacher_classes = _num_classes(teacher)
    if student_classes is not None and teacher_classes not in (None, student_classes):
        raise ValueError(f'the teacher config has {teacher_classes} classes, the student '
                         f'{student_classes}: set the teacher head num_classes to the data '
                         f"set's class count")
    own = teacher.state_dict()
    wrong = {k: (tuple(v.shape), tuple(own[k].shape)) for k, v in state.items()
             if k in own and tuple(v.shape) != tuple(own[k].shape)}
    if wrong:
        head = {k: s for k, s in wrong.items() if k.startswith('head.')}
        if head:
            k, (ckpt, ours) = next(iter(head.items()))
            raise ValueError(f'teacher checkpoint {checkpoint} has {ckpt[0]} classes ({k} '
                             f'{ckpt}), the student and teacher config have '
                             f'{student_classes} ({ours}): use a teacher trained on this '
                             f'data set')
        raise ValueError(f'teacher checkpoint {checkpoint} does not fit the teacher config '
                         f'(checkpoint vs config shapes): {wrong}')
    missing, unexpected = sorted(set(own) - set(state)), sorted(set(state) - set(own))
    if missing or unexpected:
        raise ValueError(f'teacher checkpoint {checkpoint} does not match the teacher config '
                         f'(mmpretrain names expected): missing {missing[:5]}, unexpected '
                         f'{unexpected[:5]}')
    teacher.load_state_dict(state, strict=True)


@MODELS.register_module()
class IKLDistiller(ImageClassifier):
    """Student ``ImageClassifier`` + frozen teacher + IKL (``distill_loss``).

    Args:
        teacher: ``dict(model=<model config>, checkpoint=<path or None>)``; the teacher is built
            with ``MODELS.build``, loaded strictly (:func:`load_teacher`), frozen, always in
            eval mode. ``checkpoint=None`` (``drop_pretrained``) leaves it random, with a
            warning.
        distill_loss: The IKL config (ImageNet R34->R18: ``alpha=1, beta=0.5, temperature=1,
            use_gi=True``).
        ce_weight: Weight of the student's cross-entropy.
        warmup_epochs: The KD term is scaled by ``min((epoch + 1) / warmup_epochs, 1)``.
        prior_temperature: ``T2`` of the GI prior ``softmax(o_t / T2)``.
        num_classes: Classes (size of the class prior).
    """

    def __init__(self, backbone: dict, head: dict, teacher: dict, num_classes: int,
                 neck=None, distill_loss: dict | None = None, ce_weight: float = 1.0,
                 warmup_epochs: int = 1, prior_temperature: float = 1.0,
                 data_preprocessor=None, init_cfg=None, **kwargs):
        super().__init__(backbone=backbone, neck=neck, head=head,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg, **kwargs)
        if not isinstance(teacher, dict) or 'model' not in teacher:
            raise ValueError("teacher must be dict(model=<config>, checkpoint=<path>)")
        if warmup_epochs < 1:
            raise ValueError(f'warmup_epochs must be >= 1, got {warmup_epochs}')
        student_classes = _num_classes(self)
        if student_classes is not None and student_classes != num_classes:
            raise ValueError(f'num_classes={num_classes} but the student head has '
                             f'{student_classes}')
        self.teacher = MODELS.build(teacher['model'])
        if teacher.get('checkpoint'):
            load_teacher(self.teacher, teacher['checkpoint'], num_classes)
        else:
            teacher_classes = _num_classes(self.teacher)
            if teacher_classes not in (None, num_classes):
                raise ValueError(f'the teacher config has {teacher_classes} classes, the '
                                 f'student {num_classes}')
            print_log('IKLDistiller: no teacher checkpoint, the teacher is random',
                      logger='current', level=30)
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.teacher.eval()
        self.distill_loss = MODELS.build(distill_loss or dict(type='IKLLoss'))
        self.ce_weight, self.warmup_epochs = ce_weight, warmup_epochs
        self.prior_temperature = prior_temperature
        self.class_prior = ClassPrior(num_classes)
        self._prior_epoch = None

    def train(self, mode: bool = True):
        super().train(mode)
        self.teacher.eval()      # frozen: batch-norm statistics never move
        return self

    def init_weights(self):
        teacher_state = {k: v.clone() for k, v in self.teacher.state_dict().items()}
        super().init_weights()
        self.teacher.load_state_dict(teacher_state)   # the student's init never touches it

    def warmup_factor(self, epoch: int) -> float:
        return min((epoch + 1) / self.warmup_epochs, 1.0)

    def loss(self, inputs, data_samples):
        epoch = int(MessageHub.get_current_instance().get_info('epoch', 0))
        if self._prior_epoch is not None and epoch != self._prior_epoch:
            self.class_prior.end_epoch()
        self._prior_epoch = epoch
        labels = torch.cat([s.gt_label for s in data_samples]).to(inputs.device)
        o_s = self.head(self.extract_feat(inputs))
        with torch.no_grad():
            o_t = self.teacher(inputs, mode='tensor')
        kd = self.distill_loss(o_t, o_s, labels, self.class_prior.prior)
        if self.training:
            self.class_prior.update(labels, F.softmax(o_t / self.prior_temperature, 1))
        return dict(loss_ce=self.ce_weight * F.cross_entropy(o_s, labels),
                    loss_kd=self.warmup_factor(epoch) * kd)
