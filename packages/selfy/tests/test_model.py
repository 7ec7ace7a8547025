"""The SELFY block's invariants (card section 6): identity at init, STSS conventions (cosine 1
for identical frames, a translation found at the shift, forward / backward symmetry), the
three extraction variants, gradcheck, errors, its place in the TSM backbone, the converter."""
import pytest
import torch
from selfy.models import SELFYBlock


def _seeded(block, seed=0):
    from selfy.testing import seeded_state_dict
    block.load_state_dict(seeded_state_dict(block.state_dict(), seed))
    return block


def test_identity_at_initialisation():
    """The BN after the upsample has gamma 0, so relu(x + g(x)) = relu(x) = x for the non-negative
    res3 output (official zero_init_residual); the residual branch still has gradients."""
    torch.manual_seed(0)
    block = SELFYBlock(32, 16, num_segments=4)
    assert block.stss_integration.upsample[1].weight.abs().max() == 0
    x = torch.rand(8, 32, 14, 14)
    assert torch.equal(block(x), x)
    x.requires_grad_(True)
    block(x).sum().backward()
    assert block.stss_integration.upsample[1].weight.grad.abs().sum() > 0


def test_kaiming_fan_out_init():
    torch.manual_seed(0)
    block = SELFYBlock(512, 128)
    w = block.stss_integration.conv3_fuse[1].weight  # (64, 320, 1, 3, 3): fan_out 64 * 9
    expected = (2 / (64 * 9)) ** 0.5  # 184k samples: the std estimate is within ~0.2 %
    assert abs(w.std().item() - expected) < 0.05 * expected


def test_stss_of_identical_frames_is_one_at_zero_displacement():
    """Every position is its own best match: S = |f|^2 / (|f|^2 + eps) (cosine with the official
    eps 1e-6 on the squared norm, i.e. 1 up to eps) at zero displacement, and S <= 1."""
    torch.manual_seed(0)
    block = SELFYBlock(8, 8, num_segments=3).eval()
    frame = torch.rand(1, 8, 12, 12)
    stss = block.stss_transformation(frame.repeat(3, 1, 1, 1))  # (1, 3, 6, 6, 1, 5, 9, 9)
    assert stss.shape == (1, 3, 6, 6, 1, 5, 9, 9)
    with torch.no_grad():
        sq = block.stss_transformation.downsample(frame).pow(2).sum(1)[0]  # (6, 6)
    for l_off in (1, 2, 3):  # offsets -1, 0, +1 reach a frame of the clip from the middle frame
        centre = stss[0, 1, :, :, 0, l_off, 4, 4]
        torch.testing.assert_close(centre, sq / (sq + 1e-6), atol=1e-6, rtol=0)
    assert stss.max() <= 1 + 1e-5
    # offsets -2 / +2 from the middle frame leave the 3-frame clip: zero (time padding)
    assert stss[0, 1, :, :, 0, [0, 4]].abs().max() == 0


def test_stss_finds_a_translation_at_its_displacement():
    """Frame 1 = frame 0 moved by (dy, dx) = (1, -2): the STSS of frame 0 at offset +1 peaks at
    (u, v) = (4 + 1, 4 - 2) and the STSS of frame 1 at offset -1 at (4 - 1, 4 + 2)."""
    from cvshared.ops.correlation import spatio_temporal_self_similarity
    torch.manual_seed(0)
    f0 = torch.randn(1, 16, 14, 14)
    f1 = torch.roll(f0, shifts=(1, -2), dims=(2, 3))
    stss = spatio_temporal_self_similarity(torch.stack([f0, f1], 1), (5, 9, 9))
    inner = (slice(3, 11), slice(3, 11))  # away from the rolled border
    fwd = stss[0, 0, inner[0], inner[1], 0, 3].flatten(2).argmax(-1)
    bwd = stss[0, 1, inner[0], inner[1], 0, 1].flatten(2).argmax(-1)
    assert (fwd == 5 * 9 + 2).all() and (bwd == 3 * 9 + 6).all()


@pytest.mark.parametrize('extraction', ['conv', 'mlp', 'soft_argmax'])
def test_extraction_variants_shapes_and_gradients(extraction):
    torch.manual_seed(0)
    block = _seeded(SELFYBlock(32, 16, num_segments=4, extraction=extraction))
    x = torch.rand(8, 32, 14, 14, requires_grad=True)
    out = block(x)
    assert out.shape == x.shape
    feat = block.stss_extraction(block.stss_transformation(x))
    assert feat.shape == (2 * 5, 64, 4, 7, 7)  # (B*L, C_F, T, h, w) for all three variants
    out.sum().backward()
    assert x.grad.abs().sum() > 0
    no_grad = [n for n, p in block.named_parameters() if p.grad is None or not p.grad.any()]
    assert no_grad == []


def test_soft_argmax_extraction_reads_the_displacement():
    """The soft-argmax variant's first two inputs are the normalised displacement of the STSS
    peak: a translation by (dy, dx) = (2, -1) gives (dx, dy) / 4 = (-0.25, 0.5) at offset +1."""
    from cvshared.ops.soft_argmax import kernel_soft_argmax
    torch.manual_seed(0)
    f0 = torch.randn(1, 16, 14, 14)
    f1 = torch.roll(f0, shifts=(2, -1), dims=(2, 3))
    from cvshared.ops.correlation import spatio_temporal_self_similarity
    stss = spatio_temporal_self_similarity(torch.stack([f0, f1], 1), (5, 9, 9))
    vol = stss[:, 0, :, :, 0, 3].permute(0, 3, 4, 1, 2)  # (1, U, V, h, w) at offset +1
    flow, conf = kernel_soft_argmax(vol, 5.0, 100.0)
    inner = flow[0, :, 4:10, 4:10]
    torch.testing.assert_close(inner[0], torch.full_like(inner[0], -0.25), atol=2e-2, rtol=0)
    torch.testing.assert_close(inner[1], torch.full_like(inner[1], 0.5), atol=2e-2, rtol=0)
    assert (conf[0, 0, 4:10, 4:10] > 0.99).all()


def test_gradcheck_tiny_block():
    torch.manual_seed(0)
    block = _seeded(SELFYBlock(4, 4, num_segments=2, window=(3, 9, 9), ext_channels=(2, 2, 3, 3),
                               int_channels=(3, 3, 3, 3))).double().eval()
    x = torch.rand(4, 4, 4, 4, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(block.residual, (x,), eps=1e-6, atol=1e-5, fast_mode=True)


def test_bad_input_and_arguments_raise():
    block = SELFYBlock(16, 8, num_segments=4)
    with pytest.raises(ValueError, match='multiple of num_segments=4'):
        block(torch.rand(6, 16, 8, 8))
    with pytest.raises(ValueError, match='even H and W'):
        block(torch.rand(4, 16, 7, 8))
    with pytest.raises(ValueError, match=r'\(B\*T, 16, H, W\)'):
        block(torch.rand(4, 8, 8, 8))
    with pytest.raises(ValueError, match='extraction must be one of'):
        SELFYBlock(16, 8, extraction='flow')
    with pytest.raises(ValueError, match='needs U = V = 9'):
        SELFYBlock(16, 8, window=(5, 7, 7))
    with pytest.raises(ValueError, match='positive odd'):
        SELFYBlock(16, 8, window=(4, 9, 9))


def test_block_in_tsm_backbone_gets_num_segments_and_keeps_identity():
    """After res3 of mmaction2's ResNetTSM (cvshared.video.stage_blocks): the block takes the
    backbone's num_segments and, zero-initialised, leaves the backbone's output unchanged."""
    from mmaction.registry import MODELS
    from mmengine.registry import DefaultScope
    cfg = dict(type='ResNetTSMWithBlocks', depth=18, num_segments=4, pretrained=None,
               pretrained2d=False, norm_eval=False, shift_div=8)
    with DefaultScope.overwrite_default_scope('mmaction'):
        torch.manual_seed(0)
        plain = MODELS.build(dict(cfg, blocks=[]))
        with_block = MODELS.build(dict(cfg, blocks=[dict(
            stage='layer2', block=dict(type='SELFYBlock', in_channels=128, hid_channels=32))]))
    with_block.init_weights()
    block = with_block.stage_blocks['layer2_after']
    assert block.num_segments == 4 and block.stss_integration.upsample[1].weight.abs().max() == 0
    missing = plain.load_state_dict(with_block.state_dict(), strict=False)
    assert all(k.startswith('stage_blocks.') for k in missing.unexpected_keys)
    plain.eval(), with_block.eval()
    x = torch.rand(4, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(with_block(x), plain(x), atol=0, rtol=0)


def test_convert_round_trip_and_unknown_key():
    from selfy.convert import convert, to_official
    ours = {
        'backbone.conv1.conv.weight': torch.rand(64, 3, 7, 7),
        'backbone.conv1.bn.running_var': torch.rand(64),
        'backbone.layer3.5.conv1.conv.net.weight': torch.rand(256, 1024, 1, 1),
        'backbone.layer3.5.conv3.bn.weight': torch.rand(1024),
        'backbone.layer2.0.downsample.conv.weight': torch.rand(512, 256, 1, 1),
        'backbone.layer2.0.downsample.bn.bias': torch.rand(512),
        'backbone.stage_blocks.layer2_after.stss_integration.upsample.1.weight': torch.rand(512),
        'cls_head.fc_cls.weight': torch.rand(174, 2048),
        'cls_head.fc_cls.bias': torch.rand(174),
    }
    official = to_official(ours)
    assert set(official) == {
        'base_model.conv1.weight', 'base_model.bn1.running_var',
        'base_model.layer3.5.conv1.weight', 'base_model.layer3.5.bn3.weight',
        'base_model.layer2.0.downsample.0.weight', 'base_model.layer2.0.downsample.1.bias',
        'base_model.selfy.stss_integration.upsample.1.weight', 'new_fc.weight', 'new_fc.bias'}
    assert official['new_fc.weight'].shape == (174, 2048, 1)  # the official Conv1d
    back = convert({'module.' + k: v for k, v in official.items()})
    assert set(back) == set(ours) and all(torch.equal(back[k], ours[k]) for k in ours)
    with pytest.raises(KeyError, match='consensus.weight'):
        convert({'module.consensus.weight': torch.zeros(1)})


def test_band_matmul_equals_the_dense_product_inside_its_bands():
    """The extraction's banded product (and its hand-written backward) against the dense
    product of the same matrix with zeros outside the bands (double, exact up to rounding)."""
    from selfy.models.selfy_block import _BandMatmul
    g = torch.Generator().manual_seed(0)
    a = torch.randn(6, 8, generator=g, dtype=torch.double, requires_grad=True)
    x = torch.randn(8, 5, generator=g, dtype=torch.double, requires_grad=True)
    bands = ((0, 3, 0, 5), (3, 6, 2, 8))  # overlapping input bands, as 3x3 windows do
    mask = torch.zeros(6, 8, dtype=torch.double)
    for o0, o1, i0, i1 in bands:
        mask[o0:o1, i0:i1] = 1
    gy = torch.randn(6, 5, generator=g, dtype=torch.double)
    y = _BandMatmul.apply(a, x, bands)
    ga, gx = torch.autograd.grad(y, (a, x), gy)
    y_ref = (a * mask) @ x
    ga_ref, gx_ref = torch.autograd.grad(y_ref, (a, x), gy)
    torch.testing.assert_close(y, y_ref, atol=1e-12, rtol=0)
    torch.testing.assert_close(gx, gx_ref, atol=1e-12, rtol=0)
    torch.testing.assert_close(ga, ga_ref, atol=1e-12, rtol=0)
    assert (ga[mask == 0] == 0).all() and (ga[mask == 1] != 0).all()


@pytest.mark.parametrize('train', [True, False])
def test_fused_tail_equals_scatter_bn_add_relu(train):
    """``relu(x + bn(scatter(y)))`` without the full-size map (the block's fused tail) against
    the composition of ``_StrideTwoScatter``, ``nn.BatchNorm2d``, the sum and the ReLU: output,
    the gradients of ``x``, ``y``, ``gamma`` and ``beta``, and the running statistics (double,
    exact up to rounding: 1e-12)."""
    import copy

    import torch.nn.functional as F
    from selfy.models.selfy_block import _BufferPool, _scatter_bn_residual_relu, _StrideTwoScatter
    g = torch.Generator().manual_seed(0)
    bn = torch.nn.BatchNorm2d(3).double().train(train)
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5, generator=g)
        bn.bias.uniform_(-0.5, 0.5, generator=g)
        bn.running_mean.uniform_(-0.5, 0.5, generator=g)
        bn.running_var.uniform_(0.5, 1.5, generator=g)
    ref_bn = copy.deepcopy(bn)
    x = torch.randn(4, 3, 6, 8, generator=g, dtype=torch.double, requires_grad=True)
    y = torch.randn(4, 3, 3, 4, generator=g, dtype=torch.double, requires_grad=True) + 0.7
    gout = torch.randn(4, 3, 6, 8, generator=g, dtype=torch.double)
    out = _scatter_bn_residual_relu(x, y, bn, _BufferPool())  # the block's reused output buffer
    ref = F.relu(x + ref_bn(_StrideTwoScatter.apply(y)))
    assert 0.2 < (ref > 0).double().mean() < 0.8  # the ReLU's mask matters
    torch.testing.assert_close(out, ref, atol=1e-12, rtol=0)
    grads = torch.autograd.grad(out, (x, y, bn.weight, bn.bias), gout)
    refs = torch.autograd.grad(ref, (x, y, ref_bn.weight, ref_bn.bias), gout)
    for got, want in zip(grads, refs):
        torch.testing.assert_close(got, want, atol=1e-12, rtol=0)
    for name in ('running_mean', 'running_var', 'num_batches_tracked'):
        torch.testing.assert_close(getattr(bn, name), getattr(ref_bn, name), atol=1e-12, rtol=0)
    if train:  # the statistics moved (and the test would see a wrong update)
        assert bn.num_batches_tracked == 1


def test_transformation_output_is_the_extraction_input_without_a_copy():
    """The block's STSS comes from the shared op with the displacements outermost in memory
    (``layout='uvbthwl'``): the conv extraction's transposed ``(U*V, maps)`` input is a view."""
    from selfy.models.selfy_block import STSSTransformation
    stss = STSSTransformation(8, 4, num_segments=4)(torch.rand(8, 8, 28, 28))
    assert stss.shape == (2, 4, 14, 14, 1, 5, 9, 9)
    flat = stss.reshape(-1, 81).t()
    assert flat.is_contiguous() and flat.data_ptr() == stss.data_ptr()


@pytest.mark.parametrize('mode', ['train', 'eval', 'train_cumulative', 'mixed'])
def test_conv_extraction_equals_conv_bn_relu_layers(mode):
    """The conv extraction against the four official layers run as ``conv2d`` + ``BatchNorm2d``
    + ReLU on the ``(maps, 1, 9, 9)`` volume: output, the gradients of the input and of every
    parameter, the running statistics (double: 1e-10). ``train``: the four layers as one
    Function (batch statistics, reused buffers, in-place BN backward), run twice so that the
    second call works in the buffers the first one released; ``train_cumulative``: the same with
    ``momentum=None``; ``eval``: every BN folded into its product; ``mixed`` (one BN in eval):
    the layer-by-layer path."""
    import copy

    import torch.nn.functional as F
    from selfy.models.selfy_block import STSSExtraction
    g = torch.Generator().manual_seed(0)
    ext = STSSExtraction().double().train(mode != 'eval')
    with torch.no_grad():
        for m in ext.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5, generator=g)
                m.bias.uniform_(-0.3, 0.3, generator=g)
                m.running_mean.uniform_(-0.2, 0.2, generator=g)
                m.running_var.uniform_(0.5, 1.5, generator=g)
                if mode == 'train_cumulative':
                    m.momentum = None
    if mode == 'mixed':
        ext.conv2[1].eval()
    ref = copy.deepcopy(ext)
    b, t, h, w, L = 1, 2, 3, 4, 5
    for _ in range(2 if mode == 'train' else 1):
        stss = torch.rand(b, t, h, w, 1, L, 9, 9, generator=g, dtype=torch.double,
                          requires_grad=True)
        out = ext(stss)
        x = stss.reshape(-1, 1, 9, 9)  # maps in (b t h w l) order
        for layer in (ref.conv0, ref.conv1, ref.conv2, ref.conv3):
            conv = layer[0]
            x = F.relu(layer[1](F.conv2d(x, conv.weight[:, :, 0], None, conv.stride[1:],
                                         conv.padding[1:])))
        want = x.view(b, t, h, w, L, -1).permute(0, 4, 5, 1, 2, 3).reshape(b * L, -1, t, h, w)
        torch.testing.assert_close(out, want, atol=1e-10, rtol=0)
        gout = torch.randn(want.shape, generator=g, dtype=torch.double)
        got = torch.autograd.grad(out, [stss, *ext.parameters()], gout)
        exp = torch.autograd.grad(want, [stss, *ref.parameters()], gout)
        for a, e in zip(got, exp):
            torch.testing.assert_close(a, e, atol=1e-10, rtol=0)
        for a, e in zip(ext.buffers(), ref.buffers()):
            torch.testing.assert_close(a, e, atol=1e-10, rtol=0)
    if mode == 'train':
        assert 0 < len(ext._pool) <= 12  # the second call reused the first one's buffers
        assert len(copy.deepcopy(ext)._pool) == 0


def test_buffer_reuse_never_overwrites_a_live_tensor():
    """Two training forwards of the block before one backward (the first call's activations
    are still saved by its graph, its output still held): the buffers in use are not handed out
    again, and both outputs and all gradients equal those of two separate copies of the block,
    each run once."""
    import copy

    from selfy.models import SELFYBlock
    from selfy.testing import seeded_state_dict
    torch.manual_seed(0)
    block = SELFYBlock(16, 8, num_segments=4).double().train()
    block.load_state_dict(seeded_state_dict(block.state_dict(), 0))
    refs = [copy.deepcopy(block) for _ in range(2)]
    g = torch.Generator().manual_seed(3)
    xs = [torch.rand(4, 16, 14, 14, generator=g, dtype=torch.double, requires_grad=True)
          for _ in range(2)]
    ws = [torch.randn(4, 16, 14, 14, generator=g, dtype=torch.double) for _ in range(2)]
    outs = [block(x) for x in xs]
    sum((o * w).sum() for o, w in zip(outs, ws)).backward()
    for ref, x, w, out in zip(refs, xs, ws, outs):
        xr = x.detach().clone().requires_grad_(True)
        want = ref(xr)
        (want * w).sum().backward()
        torch.testing.assert_close(out, want, atol=1e-10, rtol=0)
        torch.testing.assert_close(x.grad, xr.grad, atol=1e-10, rtol=0)
    for name, p in block.named_parameters():  # the sum of the two copies' gradients
        want = sum(dict(r.named_parameters())[name].grad for r in refs)
        torch.testing.assert_close(p.grad, want, atol=1e-10, rtol=0, msg=name)
