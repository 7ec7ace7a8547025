"""``HCMLRecognizer``: mmaction2's ``Recognizer2D`` with the hierarchical contrastive motion
losses (E5 of :mod:`hcml.models.motion`) added to its loss dict.

"a new self-supervised learning framework to extract effective motion representations from raw
video frames" (abstract): the contrastive terms need no label; they are auxiliary losses of
the recognizer (``loss_motion_l<l>``, weighted by the ``contrastive`` config's
``loss_weight``), beside the head's ``loss_cls``. ``self_supervised=True`` drops the head's
loss: the recognizer then trains the backbone and the motion hierarchy with the contrastive
losses only (the pre-training mode; labels are not read). With every ``loss_weight`` 0 and the
fusion at its zero initialisation, the losses and gradients are those of mmaction2's
``Recognizer2D`` with the same backbone weights (tested).
"""
from __future__ import annotations

from mmaction.models.recognizers import Recognizer2D

from ..registry import MODELS


@MODELS.register_module()
class HCMLRecognizer(Recognizer2D):
    """Args (besides ``Recognizer2D``'s):
        contrastive: config of :class:`~hcml.models.motion.HierarchicalMotionInfoNCE`
            (``motion_channels`` and ``num_segments`` are taken from the backbone's
            ``motion``); None: no contrastive loss.
        self_supervised: train with the contrastive losses only (no ``loss_cls``).
    """

    def __init__(self, backbone: dict, cls_head: dict | None = None,
                 contrastive: dict | None = None, self_supervised: bool = False, **kwargs):
        super().__init__(backbone=backbone, cls_head=cls_head, **kwargs)
        hierarchy = getattr(self.backbone, 'motion', None)
        if contrastive is not None:
            if hierarchy is None:
                raise ValueError('HCMLRecognizer: contrastive losses need a backbone with a '
                                 'motion hierarchy (HCMLResNet / HCMLResNetTSM with motion=...)')
            cfg = dict(contrastive)
            cfg.setdefault('type', 'HierarchicalMotionInfoNCE')
            cfg.setdefault('motion_channels', hierarchy.channels)
            cfg.setdefault('num_segments', hierarchy.num_segments)
            self.contrastive = MODELS.build(cfg)
        else:
            self.contrastive = None
        if self_supervised and self.contrastive is None:
            raise ValueError('self_supervised=True needs the contrastive losses (contrastive=...)')
        self.self_supervised = self_supervised

    def loss(self, inputs, data_samples, **kwargs) -> dict:
        if self.self_supervised:
            self.extract_feat(inputs, data_samples=data_samples)
            losses = {}
        else:
            losses = super().loss(inputs, data_samples, **kwargs)
        if self.contrastive is not None:
            motion = self.backbone.motion.last_motion
            self.backbone.motion.last_motion = None  # not kept beyond the step
            losses.update(self.contrastive(motion))
        return losses
