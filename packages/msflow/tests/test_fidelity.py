"""Agreement with the official implementation on golden tensors (see data/PROVENANCE.md).

Tolerance 1e-5 (absolute, plus 1e-5 relative for the O(10-100) log-dets and losses): both
sides run the same float32 operations in the same order on CPU, so only summation-order
round-off (~1e-7 relative) separates them.
"""
import msflow  # noqa: F401
import numpy as np
import torch
from msflow.models import (
    FusionFlow,
    anomaly_map_add,
    anomaly_map_mul,
    build_parallel_flow,
    positional_encoding_2d,
    top_k_image_score,
)

ATOL = RTOL = 1e-5


def _close(a, b):
    torch.testing.assert_close(a, b, atol=ATOL, rtol=RTOL)


def test_positional_encoding_matches_official(golden):
    g = golden('posenc.pt')
    _close(positional_encoding_2d(g['D'], g['H'], g['W']), g['P'])


def test_parallel_flow_matches_official(converter, golden):
    g = golden('parallel_flow.pt')
    flow = build_parallel_flow(g['channels'], g['cond_channels'], g['n_blocks'], g['clamp'])
    state = converter.convert({'parallel_flows': [g['state_dict']], 'fusion_flow': {}})
    flow.load_state_dict({k.split('.', 2)[2]: v for k, v in state.items()})
    z, logdet = flow(g['x'], c=[g['cond']])
    _close(z, g['z'])
    _close(logdet, g['logdet'])


def _tiny_flows(g, converter, golden):
    """Parallel + fusion flows of the tiny golden model, with the official weights."""
    official = golden('official_tiny.pt')
    state = converter.convert(official)
    parallel = torch.nn.ModuleList(build_parallel_flow(c, cc, n, g['clamp']) for c, cc, n in
                                   zip(g['c_feats'], g['c_conds'], g['parallel_blocks']))
    fusion = FusionFlow(g['c_feats'], g['clamp'])
    parallel.load_state_dict({k[len('parallel_flows.'):]: v for k, v in state.items()
                              if k.startswith('parallel_flows.')})
    fusion.load_state_dict({k[len('fusion_flow.'):]: v for k, v in state.items()
                            if k.startswith('fusion_flow.')})
    return parallel, fusion


def test_fusion_flow_matches_official(converter, golden):
    g = golden('msflow_tiny_forward.pt')
    _, fusion = _tiny_flows(g, converter, golden)
    zs, logdet = fusion(g['z_parallel'])
    for z, ref in zip(zs, g['z_fused']):
        _close(z, ref)
    _close(logdet, g['logdet_fusion'])


def test_whole_flow_model_and_loss_match_official(converter, golden):
    """Pooling, positional condition, parallel flows, fusion flow and the loss, end to end."""
    g = golden('msflow_tiny_forward.pt')
    parallel, fusion = _tiny_flows(g, converter, golden)
    pool = torch.nn.AvgPool2d(3, 2, 1)
    zs, logdet = [], 0.
    for h, f, cc, ref_y, ref_z, ref_ld in zip(g['h_list'], parallel, g['c_conds'], g['pooled'],
                                              g['z_parallel'], g['logdet_parallel']):
        y = pool(h)
        _close(y, ref_y)
        cond = positional_encoding_2d(cc, *y.shape[-2:]).expand(y.shape[0], -1, -1, -1)
        z, ld = f(y, c=[cond])
        _close(z, ref_z)
        _close(ld, ref_ld)
        zs.append(z)
        logdet = logdet + ld
    zs, ld_f = fusion(zs)
    loss = msflow.models.MSFlow.nll(zs, logdet + ld_f).mean()
    _close(loss, g['loss'])


def test_scoring_matches_official(golden):
    g = golden('msflow_tiny_forward.pt')
    a_mul = anomaly_map_mul(g['logp_maps'], g['input_size'])
    a_add = anomaly_map_add(g['logp_maps'], g['input_size'])
    _close(a_mul, g['map_mul'])
    _close(a_add, g['map_add'])
    _close(top_k_image_score(a_mul, g['top_k']), g['image_score'].float())


def test_converter_round_trips_the_official_checkpoint(converter, golden):
    official = golden('official_tiny.pt')
    ours = converter.convert(official)
    # the official GraphINN stored the permutations of scales (0, 2, 1) at module_list 0, 1, 2
    back = converter.to_official(ours, fusion_order=[0, 2, 1])
    for part in ('fusion_flow',):
        assert back[part].keys() == official[part].keys()
        for k in official[part]:
            assert torch.equal(back[part][k], official[part][k]), k
    for ref, got in zip(official['parallel_flows'], back['parallel_flows']):
        assert ref.keys() == got.keys()
        assert all(torch.equal(ref[k], got[k]) for k in ref)
    # permutations land on the scale with the same channel count
    for k, c in enumerate([4, 6, 8]):
        assert ours[f'fusion_flow.permutations.{k}.perm'].shape == (c,)
    assert np.isfinite(sum(float(v.float().sum()) for v in ours.values()))


class _GoldenFeatures(torch.nn.Module):
    """Stands in for the extractor: returns the golden pre-pool features h_k."""

    def __init__(self, h_list):
        super().__init__()
        self.h_list = h_list
        self.out_channels = [h.shape[1] for h in h_list]

    def forward(self, x):
        return self.h_list


def test_converted_checkpoint_drives_the_mmengine_model(converter, golden):
    """The whole MSFlow model with converted official weights: loss and predictions."""
    g = golden('msflow_tiny_forward.pt')
    msflow.MODELS.register_module('_GoldenFeatures', module=_GoldenFeatures, force=True)
    model = msflow.MODELS.build(dict(
        type='MSFlow', backbone=dict(type='_GoldenFeatures', h_list=g['h_list']),
        cond_channels=g['c_conds'][0], parallel_blocks=g['parallel_blocks'],
        clamp_alpha=g['clamp'], top_k_ratio=g['top_k']))
    result = model.load_state_dict(converter.convert(golden('official_tiny.pt')), strict=False)
    assert not result.missing_keys and not result.unexpected_keys
    images = torch.zeros(2, 3, *g['input_size'])  # only its size matters here
    _close(model(images, mode='loss')['loss'], g['loss'])
    preds = model(images, mode='predict')
    _close(torch.stack([p.anomaly_map for p in preds]), g['map_add'])
    _close(torch.stack([p.anomaly_map_mul for p in preds]), g['map_mul'])
    _close(torch.stack([p.pred_score for p in preds]), g['image_score'].float())
