"""The convolutional GRU that updates a node with its message (paper Sec. III-B, "update").

With the message ``x`` and the node state ``h`` (both ``B x C x H x W``)::

    u  = sigmoid(W_u * [x, h])            update gate
    r  = sigmoid(W_r * [x, h])            reset gate
    n  = tanh(W_o * [x, r . h])           candidate
    h' = h . (1 - u) + n . u

``*`` is a ``kernel_size`` convolution (1 x 1 in HGPU), ``.`` the Hadamard product.
"""
from __future__ import annotations

import torch
import torch.nn as nn

from ..registry import MODELS


@MODELS.register_module()
class ConvGRUCell(nn.Module):
    """One ConvGRU step ``h' = GRU(x, h)``.

    Args:
        in_channels: channels of the message ``x``.
        hidden_channels: channels of the state ``h`` (``in_channels`` when None).
        kernel_size: odd kernel of the three gate convolutions (1 in HGPU).

    The gate weights start orthogonal and the biases at zero (the official initialisation).
    The parameter names (``update_gate``, ``reset_gate``, ``out_gate``) are the official ones.
    """

    def __init__(self, in_channels: int, hidden_channels: int | None = None,
                 kernel_size: int = 1):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f'ConvGRUCell needs an odd kernel_size, got {kernel_size}')
        hidden_channels = hidden_channels or in_channels
        self.in_channels, self.hidden_channels = in_channels, hidden_channels
        pad = kernel_size // 2
        for name in ('reset_gate', 'update_gate', 'out_gate'):
            conv = nn.Conv2d(in_channels + hidden_channels, hidden_channels, kernel_size,
                             padding=pad)
            setattr(self, name, conv)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for conv in (self.reset_gate, self.update_gate, self.out_gate):
            nn.init.orthogonal_(conv.weight)
            nn.init.zeros_(conv.bias)

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        if x.shape[0] != h.shape[0] or x.shape[2:] != h.shape[2:]:
            raise ValueError(f'ConvGRUCell: message {tuple(x.shape)} and state '
                             f'{tuple(h.shape)} differ in batch or size')
        xh = torch.cat([x, h], dim=1)
        u = torch.sigmoid(self.update_gate(xh))
        r = torch.sigmoid(self.reset_gate(xh))
        n = torch.tanh(self.out_gate(torch.cat([x, r * h], dim=1)))
        return h * (1 - u) + n * u
