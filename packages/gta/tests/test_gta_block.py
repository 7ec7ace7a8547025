"""The GTA block's stated properties (module docstring of gta.models.gta_block, G1-G6): A = I
leaves only the spatial attention (= mmcv's NonLocal3d on single frames), A = 1/T gives the
temporal mean, frame permutation equivariance, an einsum re-derivation, cross vs split heads,
float64 gradcheck, and the errors at a different clip length."""
import pytest
import torch


def _block(levels=('pixel',), normalize='none', t=4, c=16, heads=2, regions=3, seed=0,
           zero_init=False, **kw):
    from gta.models import GTABlock
    torch.manual_seed(seed)
    block = GTABlock(c, t, levels=levels, num_heads=heads, normalize=normalize,
                     num_regions=regions, zero_init=zero_init, **kw)
    with torch.no_grad():  # weights that make every part matter (attention far from uniform)
        for core in block.cores.values():
            for conv in (core.theta, core.phi):
                conv.weight.normal_(0, 1.0)
            core.g.weight.normal_(0, 0.5)
            core.g.bias.normal_(0, 0.1)
        for norm in block.norms.values():
            norm.weight.uniform_(0.5, 1.5)
            norm.bias.uniform_(-0.2, 0.2)
            norm.running_mean.uniform_(-0.1, 0.1)
            norm.running_var.uniform_(0.5, 1.5)
        if block.group is not None:
            block.group.weight.normal_(0, 1.0)
    return block.eval()


def _set_a(block, level, a):
    from gta.models import set_attention
    set_attention(block.cores[level], a)


def test_zero_init_block_is_the_identity():
    from gta.models import GTABlock
    block = GTABlock(16, 4, levels=('pixel', 'region'), num_heads=2, num_regions=3)
    block.init_weights()
    x = torch.randn(8, 16, 5, 5)
    assert torch.equal(block.train()(x), x)
    with torch.no_grad():
        block.norms['region'].weight.fill_(0.1)
    assert (block(x) - x).abs().max() > 1e-3  # the check above can fail


@pytest.mark.parametrize('mode', ['eval', 'train'])
def test_identity_attention_is_nonlocal3d_within_each_frame(mode):
    """A = I (each head): the block is mmcv's NonLocal3d (embedded Gaussian, scaled, BN) run on
    every frame alone as a (1, H, W) volume, with NonLocal3d's output conv = W_o W_heads."""
    from mmcv.cnn import NonLocal3d
    t, c = 4, 16
    block = _block(t=t, c=c)
    _set_a(block, 'pixel', torch.eye(t).expand(2, t, t).clone())
    core = block.cores['pixel']
    nl = NonLocal3d(c, reduction=2, use_scale=True, sub_sample=False,
                    norm_cfg=dict(type='BN3d'), mode='embedded_gaussian')
    with torch.no_grad():
        for name in ('theta', 'phi', 'g'):
            getattr(nl, name).conv.weight.copy_(getattr(core, name).weight[..., None, None])
            getattr(nl, name).conv.bias.copy_(getattr(core, name).bias)
        w = block.out_convs['pixel'].weight[..., 0] @ core.heads.weight[..., 0]
        nl.conv_out.conv.weight.copy_(w[..., None, None, None])
        nl.conv_out.norm.load_state_dict(block.norms['pixel'].state_dict())
    block.train(mode == 'train')
    nl.train(mode == 'train')
    x = torch.randn(2 * t, c, 5, 6)
    ours = block(x)
    ref = nl(x[:, :, None])[:, :, 0]
    torch.testing.assert_close(ours, ref, atol=1e-5, rtol=1e-5)
    # with the learned A away from I, the frames mix: no longer per-frame attention
    _set_a(block, 'pixel', torch.full((2, t, t), 1.0 / t))
    assert (block(x) - ref).abs().max() > 1e-2


def test_softmax_attention_reaches_identity_and_uniform_exactly():
    block = _block(normalize='softmax', t=4)
    core = block.cores['pixel']
    with torch.no_grad():
        core.temporal.copy_(50.0 * torch.eye(4).expand(2, 4, 4))
    torch.testing.assert_close(core.attention(), torch.eye(4).expand(2, 4, 4), atol=1e-20,
                               rtol=0)
    with torch.no_grad():
        core.temporal.zero_()
    assert torch.equal(core.attention(), torch.full((2, 4, 4), 0.25))


def _residual(block, x):
    return block(x) - x


def test_uniform_attention_gives_the_temporal_mean():
    """A = (1/T) 1 at the pixel level: the residual branch is the same at every frame and
    equals the temporal mean of the A = I (spatial-only) branch (the branch is affine after G1
    in eval mode)."""
    t = 4
    block = _block(('pixel',), t=t)
    x = torch.randn(2 * t, 16, 5, 5)
    _set_a(block, 'pixel', torch.eye(t).expand(2, t, t).clone())
    spatial_only = _residual(block, x).view(2, t, 16, 5, 5)
    _set_a(block, 'pixel', torch.full((2, t, t), 1.0 / t))
    mean = _residual(block, x).view(2, t, 16, 5, 5)
    torch.testing.assert_close(mean, spatial_only.mean(1, keepdim=True).expand_as(mean),
                               atol=1e-5, rtol=1e-5)
    assert (spatial_only - spatial_only.mean(1, keepdim=True)).abs().max() > 1e-2


def test_uniform_attention_gives_the_temporal_mean_of_region_features():
    """At the region level (G5) the temporal mean is over the REGION features (region r of
    every frame); each frame then scatters it back with its own memberships."""
    t = 4
    block = _block(('region',), t=t)
    x = torch.randn(2 * t, 16, 5, 5)
    seen = []
    block.cores['region'].register_forward_hook(lambda m, i, o: seen.append(o))
    _set_a(block, 'region', torch.eye(t).expand(2, t, t).clone())
    block(x)
    _set_a(block, 'region', torch.full((2, t, t), 1.0 / t))
    block(x)
    spatial_only, mean = (s.view(2, t, -1, 3) for s in seen)
    torch.testing.assert_close(mean, spatial_only.mean(1, keepdim=True).expand_as(mean),
                               atol=1e-5, rtol=1e-5)
    assert (spatial_only - spatial_only.mean(1, keepdim=True)).abs().max() > 1e-2


@pytest.mark.parametrize('normalize', ['softmax', 'none'])
def test_permuting_frames_with_the_rows_and_columns_of_a_is_equivariant(normalize):
    t = 5
    block = _block(('pixel', 'region'), normalize=normalize, t=t)
    x = torch.randn(2, 16, t, 4, 4)  # 3D layout
    perm = torch.tensor([3, 0, 4, 1, 2])
    out = block(x)
    with torch.no_grad():
        for core in block.cores.values():
            core.temporal.copy_(core.temporal[:, perm][:, :, perm])
    torch.testing.assert_close(block(x[:, :, perm]), out[:, :, perm], atol=1e-5, rtol=1e-5)
    # without permuting A the output is not simply permuted (the check can fail)
    with torch.no_grad():
        inv = torch.argsort(perm)
        for core in block.cores.values():
            core.temporal.copy_(core.temporal[:, inv][:, :, inv])
    assert (block(x[:, :, perm]) - out[:, :, perm]).abs().max() > 1e-2


def einsum_reference(block, x5):
    """(G1)-(G6) with einsum on (N, C, T, H, W), written from the equations, not the code."""
    n, c, t, h, w = x5.shape
    x = x5.reshape(n, c, t, h * w)

    def lin(conv, u):  # 1x1 conv on (..., C_in, P) with channels at dim 1
        out = torch.einsum('oc,nctp->notp', conv.weight[..., 0], u)
        return out if conv.bias is None else out + conv.bias[None, :, None, None]

    def core_ref(core, u):  # u: (N, C, T, P) -> (N, M d, T, P)
        th, ph, g = lin(core.theta, u), lin(core.phi, u), lin(core.g, u)
        s = torch.einsum('nitp,nitq->ntpq', th, ph) / core.inter_channels ** 0.5
        y = torch.einsum('ntpq,nitq->nitp', s.softmax(-1), g)
        if core.heads is not None:
            v = torch.einsum('ki,nitp->nktp', core.heads.weight[..., 0], y)
        else:
            v = y
        v = v.reshape(n, core.num_heads, core.head_channels, t, -1)
        z = torch.einsum('mts,nmdsp->nmdtp', core.attention(), v)
        return z.reshape(n, core.num_heads * core.head_channels, t, -1)

    def bn(norm, u):
        scale = norm.weight / (norm.running_var + norm.eps).sqrt()
        return (u - norm.running_mean[None, :, None, None]) * scale[None, :, None, None] \
            + norm.bias[None, :, None, None]

    out = x.clone()
    for level in block.levels:
        core = block.cores[level]
        if level == 'pixel':
            z = core_ref(core, x)
        else:
            logits = lin(block.group, x)  # (N, R, T, P)
            pool, member = logits.softmax(-1), logits.softmax(1)
            regions = torch.einsum('nctp,nrtp->nctr', x, pool)
            z = torch.einsum('nktr,nrtp->nktp', core_ref(core, regions), member)
        out = out + bn(block.norms[level], lin(block.out_convs[level], z))
    return out.view(n, c, t, h, w)


@pytest.mark.parametrize('levels', [('pixel',), ('region',), ('pixel', 'region')])
def test_matches_the_einsum_reference(levels):
    block = _block(levels, normalize='softmax', t=4, seed=3)
    with torch.no_grad():
        for core in block.cores.values():
            core.temporal.normal_(0, 3.0)
    x = torch.randn(2, 16, 4, 5, 6)
    torch.testing.assert_close(block(x), einsum_reference(block, x), atol=1e-5, rtol=1e-5)
    # the 2D layout (N * T, C, H, W) is the same computation
    x2 = x.permute(0, 2, 1, 3, 4).reshape(8, 16, 5, 6)
    torch.testing.assert_close(block(x2).view(2, 4, 16, 5, 6).permute(0, 2, 1, 3, 4),
                               block(x), atol=1e-6, rtol=1e-6)


def test_cross_heads_with_a_slicing_projection_are_split_heads():
    """[A3]: cross-channel heads mix all channels; with W_heads = the slicing matrix they are
    the plain channel-split heads, and with a random W_heads they differ."""
    cross = _block(head_mixing='cross', normalize='softmax', seed=1)
    split = _block(head_mixing='split', normalize='softmax', seed=1)
    split.load_state_dict({k: v for k, v in cross.state_dict().items()
                           if 'heads' not in k}, strict=True)
    x = torch.randn(8, 16, 4, 4)
    assert (cross(x) - split(x)).abs().max() > 1e-3
    with torch.no_grad():
        cross.cores['pixel'].heads.weight.copy_(torch.eye(8)[..., None])
    torch.testing.assert_close(cross(x), split(x), atol=1e-6, rtol=1e-6)


def test_float64_gradcheck_of_input_attention_and_grouping():
    from torch.func import functional_call
    block = _block(('pixel', 'region'), normalize='softmax', t=3, c=4, heads=2, regions=2)
    block = block.double().train()
    names = ('cores.pixel.temporal', 'cores.region.temporal', 'group.weight',
             'cores.pixel.heads.weight', 'cores.region.theta.weight')
    params = {k: v.detach().clone().requires_grad_(True)
              for k, v in block.named_parameters() if k in names}
    assert set(params) == set(names)
    x = torch.randn(2 * 3, 4, 3, 3, dtype=torch.float64, requires_grad=True)

    def fn(x, *ps):
        return functional_call(block, dict(zip(params, ps)), (x,))
    assert torch.autograd.gradcheck(fn, (x, *params.values()), eps=1e-6, atol=1e-5)


def test_a_different_clip_length_is_a_clear_error():
    block = _block(t=4)
    with pytest.raises(ValueError, match=r'learned 4 x 4 matrix.*T = 6'):
        block(torch.randn(1, 16, 6, 3, 3))
    with pytest.raises(ValueError, match=r'not a whole number of clips of num_segments=4'):
        block(torch.randn(6, 16, 3, 3))
    with pytest.raises(ValueError, match='built for 16 channels'):
        block(torch.randn(8, 8, 3, 3))
    from gta.models import GTABlock
    with pytest.raises(ValueError, match='levels'):
        GTABlock(16, 4, levels=('frame',))
    with pytest.raises(ValueError, match="head_mixing='split'"):
        GTABlock(16, 4, head_mixing='split', num_heads=3)
