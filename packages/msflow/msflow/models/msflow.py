"""MSFlow as an mmengine model.

Pipeline (Fig. 2 of the paper): frozen CNN -> stage-1..3 maps h_k -> AvgPool(3, 2, 1) -> y_k ->
parallel flow f_k(y_k | c_k) -> z_k -> fusion flow -> z'_k -> loss (training) or anomaly maps
and image scores (testing).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from torch import nn

from ..registry import MODELS
from .flows import FusionFlow, build_parallel_flow, positional_encoding_2d
from .scoring import anomaly_map_add, anomaly_map_mul, log_likelihood_maps, top_k_image_score


@MODELS.register_module()
class MSFlow(BaseModel):
    """Multi-scale normalizing flow anomaly detector.

    Args:
        backbone: Config of the frozen extractor (e.g. ``FrozenTimmExtractor``); it must expose
            ``out_channels`` (C_1..C_K).
        cond_channels: Channels of the positional condition c_k (64 in the paper).
        parallel_blocks: AllInOneBlocks per scale, (2, 5, 8) in the paper: coarser scales get
            deeper flows.
        clamp_alpha: Soft-clamp bound alpha of every coupling (1.9).
        pool: ``nn.AvgPool2d`` arguments applied to every extracted map.
        top_k_ratio: Fraction of pixels averaged into the image score (0.03).
        data_preprocessor: Normalisation config (ImageNet mean/std for ImageNet weights).
    """

    def __init__(self, backbone: dict, cond_channels: int = 64,
                 parallel_blocks: Sequence[int] = (2, 5, 8), clamp_alpha: float = 1.9,
                 pool: dict | None = None, top_k_ratio: float = 0.03,
                 data_preprocessor: dict | None = None, init_cfg: dict | None = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        channels = list(self.backbone.out_channels)
        if len(channels) != len(parallel_blocks):
            raise ValueError(f'the backbone gives {len(channels)} scales but parallel_blocks '
                             f'has {len(parallel_blocks)} entries; give one per scale')
        self.channels = channels
        self.cond_channels = cond_channels
        self.pool = nn.AvgPool2d(**(pool or dict(kernel_size=3, stride=2, padding=1)))
        self.parallel_flows = nn.ModuleList(
            build_parallel_flow(c, cond_channels, n, clamp_alpha)
            for c, n in zip(channels, parallel_blocks))
        self.fusion_flow = FusionFlow(channels, clamp_alpha)
        self.top_k_ratio = top_k_ratio

    def init_weights(self) -> None:
        """Nothing to do: the flows are initialised when built (FrEIA / torch defaults, as in
        the official code) and the extractor loads its checkpoint. (mmengine's generic
        ``init_weights`` would also fail on FrEIA's integer permutation parameters.)"""

    # ------------------------------------------------------------------ core
    def extract_feat(self, inputs: torch.Tensor) -> list[torch.Tensor]:
        """Pooled multi-scale features y_k (no gradient: the extractor is frozen)."""
        with torch.no_grad():
            return [self.pool(h) for h in self.backbone(inputs)]

    def flow(self, ys: Sequence[torch.Tensor]) -> tuple[list[torch.Tensor], torch.Tensor]:
        """Parallel flows then fusion flow: returns the latents z'_k and log|det J| per image."""
        zs, logdet = [], 0.
        for y, f in zip(ys, self.parallel_flows):
            cond = positional_encoding_2d(self.cond_channels, *y.shape[-2:]).to(y)
            z, ld = f(y, c=[cond.expand(y.shape[0], -1, -1, -1)])
            zs.append(z)
            logdet = logdet + ld
        zs, ld_fusion = self.fusion_flow(zs)
        return zs, logdet + ld_fusion

    @staticmethod
    def nll(zs: Sequence[torch.Tensor], logdet: torch.Tensor) -> torch.Tensor:
        """Per-image negative log-likelihood (Eq. 7, without the constant and without any
        normalisation by the number of dimensions): sum_k 1/2 ||z'_k||^2 - log|det J|."""
        return sum(0.5 * (z ** 2).sum(dim=(1, 2, 3)) for z in zs) - logdet

    # ------------------------------------------------------------------ mmengine API
    def forward(self, inputs: torch.Tensor, data_samples: list | None = None,
                mode: str = 'tensor'):
        zs, logdet = self.flow(self.extract_feat(inputs))
        if mode == 'loss':
            return {'loss': self.nll(zs, logdet).mean()}
        if mode == 'tensor':
            return zs, logdet
        if mode == 'predict':
            return self.predict(zs, inputs.shape[-2:], data_samples)
        raise ValueError(f'mode must be loss, predict or tensor, got {mode!r}')

    @torch.no_grad()
    def predict(self, zs: Sequence[torch.Tensor], size: Sequence[int],
                data_samples: list | None = None) -> list[BaseDataElement]:
        """Fill ``pred_score`` (detection), ``anomaly_map`` (localisation, A_add) and
        ``anomaly_map_mul`` (A_mul, used for PRO as in the paper) per image."""
        logp = log_likelihood_maps(zs)
        a_mul = anomaly_map_mul(logp, size)
        a_add = anomaly_map_add(logp, size)
        scores = top_k_image_score(a_mul, self.top_k_ratio)
        if data_samples is None:
            data_samples = [BaseDataElement() for _ in range(len(scores))]
        for i, sample in enumerate(data_samples):
            sample.pred_score = scores[i].cpu()
            sample.anomaly_map = a_add[i].cpu()
            sample.anomaly_map_mul = a_mul[i].cpu()
        return data_samples
