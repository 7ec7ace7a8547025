"""The scaffold's toy (kept until the staged pipeline replaces its config): backbone + linear
head, an mmengine ``BaseModel`` (``loss`` / ``predict`` / ``tensor`` modes).
TODO: the paper's method."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel, BaseModule

from ..registry import MODELS


@MODELS.register_module()
class IrnConvNet(BaseModule):
    """Conv-BN-ReLU stages, each halving the resolution; global average pooled output.

    Args:
        in_channels: Input channels (3 for RGB).
        channels: Output channels of each stage.
    Shape: ``(B, in_channels, H, W)`` -> ``(B, channels[-1])``.
    """

    def __init__(self, in_channels: int = 3, channels=(8, 16), init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        layers, c_in = [], in_channels
        for c_out in channels:
            layers += [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1, bias=False),
                       nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]
            c_in = c_out
        self.stages = nn.Sequential(*layers)
        self.out_channels = c_in

    def forward(self, x):
        return self.stages(x).mean(dim=(2, 3))


def _get(sample, name, *default):
    """A field of a data sample (``BaseDataElement`` from the pipeline, or a plain dict)."""
    if isinstance(sample, dict):
        return sample.get(name, *default) if default else sample[name]
    return getattr(sample, name, *default)


@MODELS.register_module()
class IrnClassifier(BaseModel):
    """``logits = head(backbone(inputs))``; cross-entropy in ``loss`` mode.

    Args:
        backbone: Config of the backbone (e.g. ``IrnConvNet``).
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
