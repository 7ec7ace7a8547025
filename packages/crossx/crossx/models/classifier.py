"""The model: backbone + linear head, an mmengine ``BaseModel`` (``loss`` / ``predict`` /
``tensor`` modes). TODO: the paper's method."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel

from ..registry import MODELS


def _get(sample, name, *default):
    """A field of a data sample (``BaseDataElement`` from the pipeline, or a plain dict)."""
    if isinstance(sample, dict):
        return sample.get(name, *default) if default else sample[name]
    return getattr(sample, name, *default)


@MODELS.register_module()
class CrossxClassifier(BaseModel):
    """``logits = head(backbone(inputs))``; cross-entropy in ``loss`` mode.

    Args:
        backbone: Config of the backbone (e.g. ``CrossxConvNet``).
        num_classes: Number of classes.
    """

    def __init__(self, backbone: dict, num_classes: int = 2, data_preprocessor=None,
                 init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.head = nn.Linear(self.backbone.out_channels, num_classes)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        logits = self.head(self.backbone(inputs))
        if mode == 'tensor':
            return logits
        if mode == 'loss':
            labels = torch.as_tensor([_get(s, 'label') for s in data_samples],
                                     device=logits.device)
            return dict(loss=F.cross_entropy(logits, labels))
        if mode == 'predict':
            scores = logits.softmax(-1)
            return [dict(pred_label=int(p.argmax()), scores=p.detach().cpu(),
                         label=_get(s, 'label'), img_path=_get(s, 'img_path', None))
                    for p, s in zip(scores, data_samples)]
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', not {mode!r}")
