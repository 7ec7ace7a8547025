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
from .flows import FusionFlow, PermAllInOneBlock, build_parallel_flow, positional_encoding_2d
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
        fast_path: The inference/training fast path at equal numerics (default on): the fixed
            channel permutations of the parallel flows as an index gather instead of FrEIA's
            dense C x C 1x1 convolution (bit-identical), and channels-last memory format for
            the extractor and the flows (float round-off only, ~5e-7 on the maps;
            ``tests/test_fast_path.py``). ``False`` runs the reference path.

    State dict and strict loading: the frozen extractor's weights are part of the state dict
    (``backbone.net.*``), so our own checkpoints are self-contained. A checkpoint that holds
    the flows only (a converted official checkpoint: the official code never saves the
    extractor) still loads with ``strict=True`` *when the extractor was initialised from its
    configured ImageNet file* (``backbone.checkpoint``): those weights are the ones the flows
    were trained on, so the missing ``backbone.*`` keys are not an error. With a randomly
    initialised extractor they stay missing keys (strict loading fails), since the features
    would be meaningless. Partially missing extractor keys are always reported.
    """

    def __init__(self, backbone: dict, cond_channels: int = 64,
                 parallel_blocks: Sequence[int] = (2, 5, 8), clamp_alpha: float = 1.9,
                 pool: dict | None = None, top_k_ratio: float = 0.03,
                 data_preprocessor: dict | None = None, init_cfg: dict | None = None,
                 fast_path: bool = True):
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
        self.fast_path = fast_path
        self.register_load_state_dict_post_hook(_forgive_pretrained_extractor)

    @property
    def fast_path(self) -> bool:
        return self._fast_path

    @fast_path.setter
    def fast_path(self, value: bool) -> None:
        self._fast_path = bool(value)
        for m in self.modules():
            if isinstance(m, PermAllInOneBlock):
                m.index_permute = self._fast_path
        fmt = torch.channels_last if self._fast_path else torch.contiguous_format
        for m in self.modules():
            if isinstance(m, nn.Conv2d):  # the only 4-D weights that matter for speed
                m.weight.data = m.weight.data.contiguous(memory_format=fmt)

    def init_weights(self) -> None:
        """Nothing to do: the flows are initialised when built (FrEIA / torch defaults, as in
        the official code) and the extractor loads its checkpoint. (mmengine's generic
        ``init_weights`` would also fail on FrEIA's integer permutation parameters.)"""

    # ------------------------------------------------------------------ core
    def extract_feat(self, inputs: torch.Tensor) -> list[torch.Tensor]:
        """Pooled multi-scale features y_k (no gradient: the extractor is frozen)."""
        if self._fast_path:
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        with torch.no_grad():
            return [self.pool(h) for h in self.backbone(inputs)]

    def flow(self, ys: Sequence[torch.Tensor]) -> tuple[list[torch.Tensor], torch.Tensor]:
        """Parallel flows then fusion flow: returns the latents z'_k and log|det J| per image."""
        zs, logdet = [], 0.
        for y, f in zip(ys, self.parallel_flows):
            cond = positional_encoding_2d(self.cond_channels, *y.shape[-2:]).to(y)
            cond = cond.expand(y.shape[0], -1, -1, -1)
            if self._fast_path:
                y = y.contiguous(memory_format=torch.channels_last)
                cond = cond.contiguous(memory_format=torch.channels_last)
            z, ld = f(y, c=[cond])
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


def _forgive_pretrained_extractor(model: MSFlow, incompatible_keys) -> None:
    """Load post-hook: a flows-only checkpoint may omit ``backbone.*`` (see ``MSFlow``)."""
    backbone = getattr(model, 'backbone', None)
    if not getattr(backbone, 'pretrained_loaded', False):
        return
    own = {f'backbone.{k}' for k in backbone.state_dict()}
    missing = [k for k in incompatible_keys.missing_keys if k in own]
    # BatchNorm may fill in its num_batches_tracked itself (old-version state dicts)
    weights = {k for k in own if not k.endswith('num_batches_tracked')}
    if weights <= set(missing):  # every extractor weight absent: a flows-only checkpoint
        for k in missing:
            incompatible_keys.missing_keys.remove(k)
