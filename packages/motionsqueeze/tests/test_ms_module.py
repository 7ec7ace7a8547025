"""The MS module's invariants (card section 6, paper Sec. 3): flow of a translated map =
shift / 7, confidence = 1 for identical frames, pairs within a clip only, the duplicated last
step, fusion by addition, the architecture and initialisation of the card, gradcheck, errors."""
import pytest
import torch
import torch.nn as nn


def _block(**kw):
    from motionsqueeze.models import MotionSqueezeBlock
    torch.manual_seed(0)
    return MotionSqueezeBlock(**{'in_channels': 16, 'num_segments': 4, **kw})


def _shifted_clip(t, dy, dx, c=16, h=24, w=24, seed=0):
    """Frame k is frame 0 translated by (k dy, k dx) pixels: f_{k+1}(y + dy, x + dx) = f_k(y, x)
    (white noise, so every pixel's match is unique)."""
    base = torch.randn(c, h, w, generator=torch.Generator().manual_seed(seed))
    return torch.stack([base.roll((k * dy, k * dx), dims=(1, 2)) for k in range(t)])


@pytest.mark.parametrize('dy,dx', [(0, 2), (-1, 0), (3, -2)])
def test_flow_of_a_translated_map_is_the_shift_over_seven(dy, dx):
    block = _block().eval()
    x = _shifted_clip(4, dy, dx)
    with torch.no_grad():
        flow, confidence = block.motion(x)
    assert flow.shape == (3, 2, 24, 24) and confidence.shape == (3, 1, 24, 24)
    # interior: pixels whose match (y + dy, x + dx) is inside the frame and not wrapped
    inner = (slice(None), slice(4, -4), slice(4, -4))
    torch.testing.assert_close(flow[:, 0][inner], torch.full_like(flow[:, 0][inner], dx / 7),
                               atol=1e-5, rtol=0)  # channel 0 = flow_x (columns)
    torch.testing.assert_close(flow[:, 1][inner], torch.full_like(flow[:, 1][inner], dy / 7),
                               atol=1e-5, rtol=0)  # channel 1 = flow_y (rows)
    assert (confidence[:, 0][inner] > 1 - 1e-4).all()


def test_identical_frames_give_confidence_one_and_zero_flow():
    block = _block().eval()
    x = _shifted_clip(4, 0, 0)
    with torch.no_grad():
        flow, confidence = block.motion(x)
    # cos = |f|^2 / (|f|^2 + 1e-6): 1 up to the eps of the official L2 normalisation
    torch.testing.assert_close(confidence, torch.ones_like(confidence), atol=1e-5, rtol=0)
    assert flow.abs().max() < 1e-5


def _encoder_input(block, x):
    seen = {}
    handle = block.encoder.register_forward_hook(lambda m, i, o: seen.update(m=i[0].clone(),
                                                                             out=o.clone()))
    with torch.no_grad():
        out = block(x)
    handle.remove()
    return out, seen['m'], seen['out']


def test_last_step_duplicated_pairs_within_clips_and_fusion_by_addition():
    block = _block().eval()
    a, b = _shifted_clip(4, 0, 2, seed=1), _shifted_clip(4, 1, 0, seed=2)
    x = torch.cat([a, b])  # two clips, clip-major
    out, m, enc = _encoder_input(block, x)
    m = m.view(2, 4, 3, 24, 24)
    assert torch.equal(m[:, 3], m[:, 2])  # the last pair duplicated: T steps
    assert not torch.equal(m[:, 1], m[:, 2])  # (it is a copy, not a constant)
    with torch.no_grad():
        flow, conf = block.motion(x)
    torch.testing.assert_close(m[:, :3].reshape(6, 3, 24, 24), torch.cat([flow, conf], 1))
    # clip 0 moves right, clip 1 down: no pair mixes the two clips
    assert m[0, :, 0, 6:-6, 6:-6].mean() > 0.28 and m[1, :, 1, 6:-6, 6:-6].mean() > 0.13
    # clip 1's frames do not change clip 0's output
    with torch.no_grad():
        other = block(torch.cat([a, torch.randn_like(b)]))
    torch.testing.assert_close(other[:4], out[:4])
    # added to the stage output with no activation after the sum (x keeps negative values)
    torch.testing.assert_close(out, x + enc)
    assert (enc >= 0).all() and (out < 0).any()


def test_architecture_and_initialisation_follow_the_card():
    from motionsqueeze.models import MotionSqueezeBlock
    torch.manual_seed(0)
    block = MotionSqueezeBlock(in_channels=512, num_segments=8)
    red = block.reduce[0]
    assert (red.in_channels, red.out_channels, red.kernel_size, red.bias) == (512, 64, (1, 1),
                                                                              None)
    rows = []
    for ds in block.encoder:
        dw, pw = ds[0], ds[3]
        rows.append((dw.kernel_size[0], dw.groups, dw.in_channels, pw.out_channels))
        assert isinstance(ds[1], nn.BatchNorm2d) and isinstance(ds[5], nn.ReLU)
    assert rows == [(7, 3, 3, 16), (3, 16, 16, 32), (3, 32, 32, 64), (3, 64, 64, 512)]
    assert (block.patch_size, block.sigma, block.temperature) == (15, 5.0, 100.0)
    # Kaiming normal fan_out: std sqrt(2 / (out * k * k)); BN weight 1, bias 0 (no zero-init)
    w = block.encoder[3][3].weight
    assert abs(w.std().item() / (2 / 512) ** 0.5 - 1) < 0.05
    w = block.encoder[0][0].weight  # 7x7 depthwise on 3 channels: fan_out = 3 * 49
    assert abs(w.std().item() / (2 / (3 * 49)) ** 0.5 - 1) < 0.3
    bns = [m for m in block.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(bns) == 9 and all(bool((m.weight == 1).all() and (m.bias == 0).all())
                                 for m in bns)


def test_gradcheck_at_tiny_size():
    from motionsqueeze.models import MotionSqueezeBlock
    torch.manual_seed(0)
    block = MotionSqueezeBlock(in_channels=4, num_segments=2, reduced_channels=4, patch_size=3,
                               encoder_channels=(2, 2, 2), first_kernel=3,
                               temperature=3.0).double().eval()
    x = torch.randn(4, 4, 4, 5, dtype=torch.double, requires_grad=True)
    # fast mode: random projections of the Jacobian (a handful of forwards, not 2 x 320)
    assert torch.autograd.gradcheck(block, (x,), eps=1e-6, atol=1e-5, fast_mode=True)


def test_backbone_passes_num_segments_and_keeps_shapes():
    import motionsqueeze  # noqa: F401
    from mmaction.registry import MODELS
    backbone = MODELS.build(dict(
        type='ResNetTSMWithBlocks', depth=18, num_segments=4, pretrained=None, norm_eval=False,
        blocks=[dict(stage='layer2', block=dict(type='MotionSqueezeBlock', in_channels=128))]))
    block = backbone.stage_blocks['layer2_after']
    assert block.num_segments == 4
    x = torch.randn(8, 3, 64, 64, requires_grad=True)
    out = backbone(x)
    assert out.shape == (8, 512, 2, 2)
    out.sum().backward()
    assert block.reduce[0].weight.grad.abs().sum() > 0 and x.grad.abs().sum() > 0


def test_bad_inputs_raise_clear_errors():
    from motionsqueeze.models import MotionSqueezeBlock
    block = _block()
    with pytest.raises(ValueError, match='multiple of num_segments 4'):
        block(torch.randn(6, 16, 8, 8))
    with pytest.raises(ValueError, match=r'expects \(N\*T, 16, H, W\)'):
        block(torch.randn(4, 8, 8, 8))
    with pytest.raises(ValueError, match='num_segments >= 2'):
        MotionSqueezeBlock(num_segments=1)
    with pytest.raises(ValueError, match='odd'):
        MotionSqueezeBlock(patch_size=14)


def test_convert_round_trip_and_official_prefixes():
    import motionsqueeze  # noqa: F401
    from mmaction.registry import MODELS
    from mmengine.registry import DefaultScope
    from motionsqueeze.convert import convert, to_official
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(dict(
            type='Recognizer2D',
            backbone=dict(type='ResNetTSMWithBlocks', depth=50, num_segments=8, pretrained=None,
                          blocks=[dict(stage='layer2', block=dict(type='MotionSqueezeBlock'))]),
            cls_head=dict(type='TSMHead', num_classes=7, in_channels=2048, num_segments=8)))
    ours = model.state_dict()
    official = to_official(ours)
    assert official['fc1.weight'].shape == (7, 2048, 1)  # the official Conv1d classifier
    assert 'layer2.3.conv3.weight' in official and 'flow_refinement.conv4.3.weight' in official
    assert 'chnl_reduction.0.weight' in official and 'bn2.running_var' in official
    # a TSN checkpoint saved from DataParallel: module.base_model.* and module.new_fc.*
    tsn = {('module.new_fc.' + k[4:]) if k.startswith('fc1.') else 'module.base_model.' + k: v
           for k, v in official.items()}
    back = convert(tsn)
    assert set(back) == set(ours)
    assert all(torch.equal(back[k], ours[k]) for k in ours)
    model.load_state_dict(back, strict=True)
    with pytest.raises(KeyError, match='unexpected.weight'):
        convert({'unexpected.weight': torch.zeros(1)})
