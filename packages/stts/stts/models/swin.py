"""Video Swin Transformer with STTS token selection (paper Sec. 4, "VideoSwin-T^0_r").

mmaction2's :class:`~mmaction.models.SwinTransformer3D` plus selectors placed **before stage**
``l`` for each ``l`` in ``time_pruning_loc`` / ``space_pruning_loc``, as in the STTS VideoSwin
code (the paper's VideoSwin results use temporal selection before stage 0 only). ``K`` of a
selector is computed from the token grid that reaches that stage for the configured
``num_frames`` x ``image_size`` clip: ``K_t = int(T r_t)`` with ``T = num_frames / patch_t``,
``K_s = int(N r_s)``.
"""
from __future__ import annotations

from collections.abc import Sequence

from cvshared.ops.topk import DEFAULT_GRAD, DEFAULT_NUM_SAMPLES, DEFAULT_SIGMA
from einops import rearrange
from mmaction.models.backbones.swin import SwinTransformer3D
from mmaction.registry import MODELS
from torch import Tensor, nn

from .selection import SelectionTracker, STTSSpatialSelector, STTSTemporalSelector


def selection_plan(loc, ratios, name):
    loc = list(loc or [])
    ratios = list(ratios or [])
    if len(ratios) < len(loc):
        raise ValueError(f'{name}: {len(loc)} locations but only {len(ratios)} keep ratios.')
    return dict(zip(loc, ratios[:len(loc)]))


@MODELS.register_module()
class STTSSwinTransformer3D(SwinTransformer3D):
    """SwinTransformer3D with STTS temporal / spatial token selection.

    Args (besides those of ``SwinTransformer3D``):
        num_frames, image_size: Clip size the keep counts are computed for (32 x 224 in STTS).
        time_pruning_loc: Stages before which temporal selection runs (``[0]`` in the paper).
        time_left_ratio: Keep ratio ``r_t`` per temporal location.
        space_pruning_loc, space_left_ratio: The same for spatial anchor selection.
        sigma: Initial noise scale of the perturbed top-K (``sigma_max`` of the decay schedule;
            STTS VideoSwin uses the constructor default 0.05 and never decays it).
        num_samples: Monte-Carlo samples of the perturbed top-K.
        topk_grad: ``'diag'`` (STTS) or ``'full'`` perturbed-optimiser gradient.
    """

    def __init__(self, *args, num_frames: int = 32, image_size: int = 224,
                 time_pruning_loc: Sequence[int] | None = None,
                 time_left_ratio: Sequence[float] = (0.5, ),
                 space_pruning_loc: Sequence[int] | None = None,
                 space_left_ratio: Sequence[float] = (0.5, ), sigma: float = DEFAULT_SIGMA,
                 num_samples: int = DEFAULT_NUM_SAMPLES, topk_grad: str = DEFAULT_GRAD,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.sigma_max = self.sigma = sigma
        t_plan = selection_plan(time_pruning_loc, time_left_ratio, 'time_pruning_loc')
        s_plan = selection_plan(space_pruning_loc, space_left_ratio, 'space_pruning_loc')
        bad = [i for i in (*t_plan, *s_plan) if not 0 <= i < self.num_layers]
        if bad:
            raise ValueError(f'pruning locations {bad} are not stages of a {self.num_layers}-stage '
                             'Swin (valid: 0..num_layers-1).')
        p = self.patch_size if isinstance(self.patch_size, Sequence) else [self.patch_size] * 3
        t, hw = num_frames // p[0], image_size // p[1]
        # selectors in location order (the j-th temporal selector runs before stage
        # sorted(time_pruning_loc)[j]), as the official ``time_score_predictor`` list
        self.time_selectors, self.space_selectors = nn.ModuleList(), nn.ModuleList()
        self._time_at, self._space_at = {}, {}
        for i in range(self.num_layers):
            dims = self.embed_dims * 2**i
            if i in t_plan:
                t = int(t * t_plan[i])
                self._time_at[i] = len(self.time_selectors)
                self.time_selectors.append(STTSTemporalSelector(dims, t, num_samples, topk_grad))
            if i in s_plan:
                sel = STTSSpatialSelector(dims, int(hw * hw * s_plan[i]), None, num_samples,
                                          topk_grad)
                self._space_at[i] = len(self.space_selectors)
                self.space_selectors.append(sel)
                hw = sel.anchor_size
            hw = (hw + 1) // 2  # PatchMerging halves the grid (padding odd sizes)

    def set_sigma(self, sigma: float) -> None:
        self.sigma = sigma

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, ...]:
        x = self.pos_drop(self.patch_embed(x))  # (B, C, T, H, W)
        p = self.patch_size if isinstance(self.patch_size, Sequence) else [self.patch_size] * 3
        track = SelectionTracker(x.shape[0], x.shape[2], p[0], x.device)
        outs = []
        for i, layer in enumerate(self.layers):
            if i in self._time_at:
                h = x.shape[3]
                tok = rearrange(x, 'b c t h w -> b t (h w) c')
                sel = self.time_selectors[self._time_at[i]]
                tok = sel(tok, self.sigma)
                x = rearrange(tok, 'b t (h w) c -> b c t h w', h=h)
                if not self.training:
                    track.temporal(sel.last_indices)
            if i in self._space_at:
                tok = rearrange(x, 'b c t h w -> b t h w c')
                sel = self.space_selectors[self._space_at[i]]
                tok = sel(tok, self.sigma)
                x = rearrange(tok, 'b t h w c -> b c t h w')
                if not self.training:
                    track.spatial(sel.last_box)
            x = layer(x.contiguous(), do_downsample=self.out_after_downsample)
            if i in self.out_indices:
                out = getattr(self, f'norm{i}')(x)
                outs.append(rearrange(out, 'b d h w c -> b c d h w').contiguous())
            if layer.downsample is not None and not self.out_after_downsample:
                x = layer.downsample(x)
            if i < self.num_layers - 1:
                x = rearrange(x, 'b d h w c -> b c d h w')
        if not self.training:
            #: what the last eval forward kept (stts.hooks.STTSVisualizationHook draws it)
            self.last_selection = track.as_dict()
        return outs[0] if len(outs) == 1 else tuple(outs)
