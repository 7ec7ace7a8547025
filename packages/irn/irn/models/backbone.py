"""IRN's ResNet-50 on OpenMMLab's (mmseg) ``ResNet``.

The official backbone is torchvision's ResNet-50 built with ``strides=(2, 2, 2, 1)``
(``net/resnet50.py``): ``strides[0]`` is the stride of ``conv1`` (the 3x3/2 max-pool follows
unconditionally), ``strides[1:]`` those of ``layer2..layer4`` (``layer1`` always has stride 1).
OpenMMLab's ``ResNet`` always has the stride-2 ``conv1`` + stride-2 max-pool stem and takes the
four *layer* strides, so the same network is ``ResNet(depth=50, strides=(1, 2, 2, 1))``
(output stride 16; torchvision v1.5 / ``style='pytorch'``: the stride sits on the 3x3 conv).
The parameter names are torchvision's (``conv1``, ``bn1``, ``layer1.0.conv1`` ...), so the
ImageNet checkpoint loads as is.

``FixedBatchNorm`` (BN always in eval mode, affine still trainable) is ``norm_eval=True``;
the frozen ``conv1``/``bn1`` of the CAM net are ``frozen_stages=0`` (``requires_grad=False``).

:class:`IrnResNet` returns the five feature maps IRN uses -- the stem after the max-pool
(stride 4, ``stem_channels``), ``layer1`` .. ``layer4`` -- and detaches the outputs listed in
``detach``: the CAM net detaches ``layer2`` (index 2: nothing up to ``layer2`` gets a gradient),
IRNet detaches all five (frozen backbone).
"""
from __future__ import annotations

from mmseg.models.backbones import ResNet

from ..registry import MODELS


@MODELS.register_module()
class IrnResNet(ResNet):
    """mmseg ``ResNet`` returning ``(stem, layer1, layer2, layer3, layer4)``.

    Args:
        detach: indices (0 = stem after max-pool, 1..4 = layers) whose outputs are detached.
        kwargs: ``mmseg.models.backbones.ResNet`` arguments; IRN's defaults are
            ``depth=50, strides=(1, 2, 2, 1), norm_eval=True``.
    Shape: ``(B, 3, H, W)`` -> 5 maps at strides 4, 4, 8, 16, 16 (for ``strides=(1, 2, 2, 1)``).
    """

    def __init__(self, depth: int = 50, strides=(1, 2, 2, 1), norm_eval: bool = True,
                 detach=(), **kwargs):
        kwargs.setdefault('out_indices', (0, 1, 2, 3))
        super().__init__(depth=depth, strides=strides, norm_eval=norm_eval, **kwargs)
        bad = [i for i in detach if i not in range(5)]
        if bad:
            raise ValueError(f'detach indices must be in 0..4 (stem, layer1..4), got {bad}')
        self.detach = tuple(detach)
        base = kwargs.get('base_channels', 64)
        stem = kwargs.get('stem_channels', 64)
        exp = self.block.expansion
        self.out_channels = (stem,) + tuple(base * 2 ** i * exp for i in range(4))

    def forward(self, x):
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = self.relu(self.norm1(self.conv1(x)))
        x = self.maxpool(x)
        outs = [x.detach() if 0 in self.detach else x]
        for i, name in enumerate(self.res_layers, start=1):
            x = getattr(self, name)(outs[-1])
            outs.append(x.detach() if i in self.detach else x)
        return tuple(outs)
