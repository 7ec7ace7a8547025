"""The frozen feature extractor: a timm ResNet-family network cut after stage 3."""
from __future__ import annotations

import os.path as osp
from collections.abc import Sequence

import timm
import torch
from cvshared.checkpoint import load_checkpoint_file, state_dict_of
from torch import nn

from ..registry import MODELS

PADDING_MODES = ('zeros', 'reflect', 'replicate', 'circular')


def set_padding_mode(net: nn.Module, mode: str) -> int:
    """Set ``padding_mode`` of every padded ``nn.Conv2d`` of ``net``; returns how many.

    PyTorch keeps the padding amounts whatever the mode (``_reversed_padding_repeated_twice``
    is computed at construction), so switching the mode afterwards is exact. 1x1 convolutions
    (no padding) and pooling layers are untouched.
    """
    if mode not in PADDING_MODES:
        raise ValueError(f'padding_mode must be one of {PADDING_MODES}, got {mode!r}')
    count = 0
    for m in net.modules():
        if isinstance(m, nn.Conv2d) and any(p > 0 for p in m.padding):
            m.padding_mode = mode
            count += 1
    return count


@MODELS.register_module()
class FrozenTimmExtractor(nn.Module):
    """Frozen timm CNN returning the outputs of ``out_indices`` (ResNet stages 1-3 by default).

    Args:
        model_name: A timm model name (``wide_resnet50_2``, ``resnet18``, ...).
        out_indices: timm ``features_only`` indices; for ResNets 1, 2, 3 are ``layer1`` to
            ``layer3`` (strides 4, 8, 16).
        checkpoint: Path of ImageNet weights, either torchvision's file (e.g.
            ``wide_resnet50_2-95faca4d.pth``, the weights the paper uses) or a timm state dict;
            their key names are the same. ``None`` keeps the random initialisation (tests,
            synthetic runs). Nothing is ever downloaded. (This key is the package's equivalent
            of ``init_cfg=dict(type='Pretrained', ...)``; ``drop_pretrained`` clears it.)
        padding_mode: Padding of every padded convolution (the 7x7 stem and the 3x3s).
            ``'reflect'`` (default) is the official MSFlow extractor (its ResNet sets
            ``PADDING_MODE = 'reflect'``); ``'zeros'`` is torchvision's / timm's ResNet. The
            max-pool is not a convolution and pads with -inf in both.

    The network stays in eval mode (BatchNorm uses its running statistics) and runs without
    gradients: it is never trained. ``pretrained_loaded`` tells whether the weights came from
    ``checkpoint`` (see ``MSFlow``: a flows-only checkpoint then loads strictly).
    """

    def __init__(self, model_name: str = 'wide_resnet50_2',
                 out_indices: Sequence[int] = (1, 2, 3), checkpoint: str | None = None,
                 padding_mode: str = 'reflect'):
        super().__init__()
        self.net = timm.create_model(model_name, pretrained=False, features_only=True,
                                     out_indices=tuple(out_indices))
        self.out_channels = list(self.net.feature_info.channels())
        self.padding_mode = padding_mode
        set_padding_mode(self.net, padding_mode)
        self.pretrained_loaded = False
        if checkpoint is not None:
            self.load_checkpoint(checkpoint)
        for p in self.net.parameters():
            p.requires_grad_(False)
        self.net.eval()

    def load_checkpoint(self, path: str) -> None:
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'extractor weights {path!r} not found. Download the ImageNet weights once (for '
                'wide_resnet50_2: https://download.pytorch.org/models/wide_resnet50_2-95faca4d.pth)'
                ' and set model.backbone.checkpoint to the file, or None for random weights.')
        state = state_dict_of(load_checkpoint_file(path))
        state = {k.removeprefix('module.'): v for k, v in state.items()}
        own = self.net.state_dict()
        missing = sorted(k for k in own if k not in state)
        if missing:
            raise KeyError(f'checkpoint {path!r} does not fit {type(self.net).__name__}: it lacks '
                           f'{len(missing)} weights, e.g. {missing[:3]}. Give torchvision or timm '
                           'ImageNet weights of the configured model_name.')
        mismatched = [k for k in own if state[k].shape != own[k].shape]
        if mismatched:
            raise ValueError(f'checkpoint {path!r}: shape mismatch for {mismatched[:3]}; is it '
                             'the weights of another architecture?')
        self.net.load_state_dict({k: state[k] for k in own})
        self.pretrained_loaded = True

    def train(self, mode: bool = True):
        super().train(mode)
        self.net.eval()  # frozen: always use BatchNorm running statistics
        return self

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return self.net(x)
