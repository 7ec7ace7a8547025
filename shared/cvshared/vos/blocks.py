"""Fusion and co-attention blocks of the zero-shot VOS papers (HGPU, HCPN).

All blocks take and return NCHW tensors; parameter names follow the official modules so a released
state_dict loads with at most a prefix rename (``convert_official`` where the layout differs).

==========================  =====================================  =================================
ours                        HGPU (``libs/model/HGPU.py``)          HCPN (``libs/model/HCPN.py``)
==========================  =====================================  =================================
:class:`GCT`                ``MACU``                               ``GAC``
:class:`IAFF`               ``FR``                                 ``GAF``
:class:`SoftAttention`      ``MessageAgg.forward_sa``              ``ParallelCA.forward_sa``
:class:`CoAttention`        ``MessageAgg.forward_ca``              ``ParallelCA.forward_ca``
:class:`ParallelCoAttention` ``MessageAgg`` (rounds=1 'pre',       ``ParallelCA`` (rounds=5, PCM)
                            rounds=5 'main')
:class:`Readout`            ``Readout`` (``gac``, ``gaf``)         ``CrossCoAttention`` (``gct``,
                                                                   ``faf``), the CCM
==========================  =====================================  =================================

Conventions (card, HGPU section):

- GCT, l2 mode: ``s = alpha * sqrt(sum_hw x^2 + eps)``, ``n = gamma * s / sqrt(mean_c s^2 + eps)``,
  ``y = x * (1 + tanh(n + beta))``; identity at initialisation (alpha=1, gamma=0, beta=0).
- iAFF: ``w1 = sigmoid(L1(x + y) + G1(x + y))``, ``m = x w1 + y (1 - w1)``,
  ``w2 = sigmoid(L2(m) + G(m))``, ``out = x w2 + y (1 - w2)`` where ``G`` is the *first* global
  branch when ``reuse_first_global=True`` (the official code; ``global_att2`` then holds unused
  parameters) and the second one otherwise (the iAFF paper).
- SA: ``a = softmax_hw(conv1x1_{C->1}(f))``, output ``a * f``; the two inputs have separate convs.
- CA: ``P_k = conv1x1_{C->C/r}(f_k)``, ``S[j, i] = tanh(<P2[:, j], P1[:, i]>)`` (no softmax, no
  scaling), ``f1_hat[:, j] = sum_i f1[:, i] S[j, i]``, ``f2_hat[:, j] = sum_i f2[:, i] S[i, j]``,
  each then L2-normalised over channels (``F.normalize``, eps 1e-12). Both inputs need the same
  spatial size.
- Parallel co-attention: ``x = (f1, f2)``; per round ``q = SA(x)``, ``z = CA(q)``; between rounds
  ``x <- ReLU(z + x)``; returns ``(z1, z2, q1, q2)`` of the last round.

The blocks are registered in mmengine's root ``MODELS`` registry, so mmseg's ``MODELS`` (a child
of it) and every other scope build them by name (``dict(type='GCT', channels=256)``).
"""
from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.registry import MODELS

__all__ = ['GCT', 'IAFF', 'SoftAttention', 'CoAttention', 'ParallelCoAttention', 'Readout',
           'rename_keys']


def rename_keys(state_dict: Mapping[str, torch.Tensor], renames: Mapping[str, str],
                prefix: str = '') -> dict[str, torch.Tensor]:
    """Return a copy of ``state_dict`` where a key ``prefix + old + rest`` becomes
    ``prefix + new + rest`` for the first ``old -> new`` of ``renames`` that matches (``old``
    names a submodule, e.g. ``'c_f1.'``). Other keys are kept as they are."""
    out = {}
    for key, value in state_dict.items():
        new_key = key
        if key.startswith(prefix):
            rest = key[len(prefix):]
            for old, new in renames.items():
                if rest.startswith(old):
                    new_key = prefix + new + rest[len(old):]
                    break
        out[new_key] = value
    return out


@MODELS.register_module()
class GCT(nn.Module):
    """Gated Channel Transformation, l2 mode (HGPU ``MACU``, HCPN ``GAC``).

    Args:
        channels: C.
        eps: Added under both square roots, as officially (1e-5).
    """

    def __init__(self, channels: int, eps: float = 1e-5):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(1, channels, 1, 1))
        self.gamma = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.beta = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        embedding = (x.pow(2).sum((2, 3), keepdim=True) + self.eps).sqrt() * self.alpha
        norm = (embedding.pow(2).mean(dim=1, keepdim=True) + self.eps).sqrt()
        return x + x * torch.tanh(embedding * (self.gamma / norm) + self.beta)


def _attention_branch(channels: int, inter: int, pooled: bool) -> nn.Sequential:
    layers = [nn.AdaptiveAvgPool2d(1)] if pooled else []
    layers += [nn.Conv2d(channels, inter, 1), nn.BatchNorm2d(inter), nn.ReLU(inplace=True),
               nn.Conv2d(inter, channels, 1), nn.BatchNorm2d(channels)]
    return nn.Sequential(*layers)


@MODELS.register_module()
class IAFF(nn.Module):
    """Iterative attentional feature fusion (HGPU ``FR``, HCPN ``GAF``); ``forward(x, y)``.

    Submodules ``local_att``, ``global_att``, ``local_att2``, ``global_att2`` have the official
    layout (conv 1x1 -> BN -> ReLU -> conv 1x1 -> BN; the global ones after global average
    pooling), so official keys load unchanged.

    Args:
        channels: C.
        r: Channel reduction of the hidden layer (C // r).
        reuse_first_global: The second fusion pass uses ``global_att`` (official quirk; default)
            instead of ``global_att2``.
    """

    def __init__(self, channels: int, r: int = 4, reuse_first_global: bool = True):
        super().__init__()
        inter = int(channels // r)
        self.local_att = _attention_branch(channels, inter, pooled=False)
        self.global_att = _attention_branch(channels, inter, pooled=True)
        self.local_att2 = _attention_branch(channels, inter, pooled=False)
        self.global_att2 = _attention_branch(channels, inter, pooled=True)
        self.reuse_first_global = reuse_first_global

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        s = x + y
        w1 = torch.sigmoid(self.local_att(s) + self.global_att(s))
        m = x * w1 + y * (1 - w1)
        second_global = self.global_att if self.reuse_first_global else self.global_att2
        w2 = torch.sigmoid(self.local_att2(m) + second_global(m))
        return x * w2 + y * (1 - w2)


@MODELS.register_module()
class SoftAttention(nn.Module):
    """Spatial soft attention of a pair: ``(softmax_hw(c_f1(f1)) * f1, softmax_hw(c_f2(f2)) * f2)``.

    ``c_f1``, ``c_f2``: the official 1x1 convolutions C -> 1 with bias."""

    def __init__(self, channels: int):
        super().__init__()
        self.c_f1 = nn.Conv2d(channels, 1, kernel_size=1)
        self.c_f2 = nn.Conv2d(channels, 1, kernel_size=1)

    @staticmethod
    def _attend(conv: nn.Conv2d, f: torch.Tensor) -> torch.Tensor:
        logits = conv(f)
        attention = torch.softmax(logits.flatten(1), dim=1).view_as(logits)
        return attention * f

    def forward(self, f1: torch.Tensor, f2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self._attend(self.c_f1, f1), self._attend(self.c_f2, f2)


@MODELS.register_module()
class CoAttention(nn.Module):
    """Tanh-affinity co-attention with self re-aggregation and channel L2 normalisation.

    ``p_f1``, ``p_f2``: the official 1x1 projections C -> C // reduction with bias. See the
    module docstring for the formula; ``f1`` and ``f2`` must have the same shape.
    """

    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        low = channels // reduction
        self.p_f1 = nn.Conv2d(channels, low, kernel_size=1)
        self.p_f2 = nn.Conv2d(channels, low, kernel_size=1)

    def forward(self, f1: torch.Tensor, f2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if f1.shape != f2.shape:
            raise ValueError(f'CoAttention needs inputs of one shape, got {tuple(f1.shape)} and '
                             f'{tuple(f2.shape)}')
        n, c, h, w = f1.shape
        p1 = self.p_f1(f1).flatten(2)                                   # (N, c', HW)
        p2 = self.p_f2(f2).flatten(2)
        affinity = torch.tanh(torch.bmm(p2.transpose(1, 2), p1))        # S[j, i], (N, HW, HW)
        f1_hat = torch.bmm(f1.reshape(n, c, h * w), affinity.transpose(1, 2))
        f2_hat = torch.bmm(f2.reshape(n, c, h * w), affinity)
        return (F.normalize(f1_hat.view(n, c, h, w), dim=1),
                F.normalize(f2_hat.view(n, c, h, w), dim=1))


@MODELS.register_module()
class ParallelCoAttention(nn.Module):
    """``rounds`` SA -> CA rounds with ReLU residuals (HGPU ``MessageAgg``, HCPN ``ParallelCA``).

    ``forward(f1, f2, rounds=None) -> (za, zb, qa, qb)``: the last CA outputs and the last SA
    outputs. HGPU's ``'pre'`` mode is ``rounds=1``, ``'main'`` and HCPN's PCM ``rounds=5``; the
    parameters are the same for every round count. HGPU's ``MessageAgg`` returns ``(za, zb)``.

    Submodules: ``sa`` (:class:`SoftAttention`) and ``ca`` (:class:`CoAttention`). The official
    modules keep the four convolutions flat; :meth:`convert_official` renames their keys.
    """

    OFFICIAL_RENAMES = {'c_f1.': 'sa.c_f1.', 'c_f2.': 'sa.c_f2.',
                        'p_f1.': 'ca.p_f1.', 'p_f2.': 'ca.p_f2.'}

    def __init__(self, channels: int, rounds: int = 5, reduction: int = 16):
        super().__init__()
        if rounds < 1:
            raise ValueError(f'ParallelCoAttention needs rounds >= 1, got {rounds}')
        self.rounds = rounds
        self.sa = SoftAttention(channels)
        self.ca = CoAttention(channels, reduction)

    @classmethod
    def convert_official(cls, state_dict: Mapping[str, torch.Tensor], prefix: str = ''):
        """Official ``MessageAgg`` / ``ParallelCA`` keys (under ``prefix``) -> ours."""
        return rename_keys(state_dict, cls.OFFICIAL_RENAMES, prefix)

    def forward(self, f1: torch.Tensor, f2: torch.Tensor, rounds: int | None = None):
        rounds = self.rounds if rounds is None else rounds
        if rounds < 1:
            raise ValueError(f'ParallelCoAttention needs rounds >= 1, got {rounds}')
        x1, x2 = f1, f2
        for k in range(rounds):
            q1, q2 = self.sa(x1, x2)
            z1, z2 = self.ca(q1, q2)
            if k + 1 < rounds:
                x1, x2 = F.relu(z1 + x1), F.relu(z2 + x2)
        return z1, z2, q1, q2


@MODELS.register_module()
class Readout(nn.Module):
    """``IAFF(GCT(x), GCT(y))`` with one GCT for both inputs (HGPU ``Readout``, HCPN CCM).

    Submodules ``gct`` (:class:`GCT`) and ``iaff`` (:class:`IAFF`); :meth:`convert_official`
    renames HGPU's ``gac.`` / ``gaf.`` and HCPN's ``gct.`` / ``faf.``.
    """

    OFFICIAL_RENAMES = {'gac.': 'gct.', 'gaf.': 'iaff.', 'faf.': 'iaff.'}

    def __init__(self, channels: int, r: int = 4, reuse_first_global: bool = True):
        super().__init__()
        self.gct = GCT(channels)
        self.iaff = IAFF(channels, r=r, reuse_first_global=reuse_first_global)

    @classmethod
    def convert_official(cls, state_dict: Mapping[str, torch.Tensor], prefix: str = ''):
        """Official ``Readout`` / ``CrossCoAttention`` keys (under ``prefix``) -> ours."""
        return rename_keys(state_dict, cls.OFFICIAL_RENAMES, prefix)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.iaff(self.gct(x), self.gct(y))
