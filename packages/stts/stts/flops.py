"""GFLOPs per clip (one view) with fvcore's FlopCountAnalysis, with and without selection.

fvcore counts one fused multiply-add as one FLOP, the convention of PySlowFast (MViT) and of the
STTS tables. The perturbed top-K is not counted (inference uses the hard top-K).
"""
from __future__ import annotations

import contextlib
import logging

import torch
from torch import nn


@contextlib.contextmanager
def selection_disabled(backbone: nn.Module):
    """Temporarily run an STTS backbone without any token selection (the unselected model)."""
    saved = backbone._time_at, backbone._space_at
    backbone._time_at, backbone._space_at = {}, {}
    try:
        yield backbone
    finally:
        backbone._time_at, backbone._space_at = saved


class _Classifier(nn.Module):

    def __init__(self, backbone, head):
        super().__init__()
        self.backbone, self.head = backbone, head

    def forward(self, x):
        feats = self.backbone(x)
        return self.head(feats) if self.head is not None else feats


def count_gflops(model: nn.Module, clip_shape: tuple[int, ...], selected: bool = True) -> float:
    """GFLOPs of one clip ``(C, T, H, W)`` through ``model.backbone`` (+ ``model.cls_head``)."""
    from fvcore.nn import FlopCountAnalysis
    backbone = getattr(model, 'backbone', model)
    net = _Classifier(backbone, getattr(model, 'cls_head', None))
    was_training = net.training
    net.eval()
    x = torch.zeros(1, *clip_shape, device=next(net.parameters()).device)
    ctx = contextlib.nullcontext() if selected else selection_disabled(backbone)
    logging.getLogger('fvcore').setLevel(logging.ERROR)
    try:
        with ctx, torch.no_grad():
            flops = FlopCountAnalysis(net, x)
            flops.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
            total = flops.total()
    finally:
        net.train(was_training)
    return total / 1e9
