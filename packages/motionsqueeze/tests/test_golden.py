"""Golden tensors of the official MotionSqueeze code (tests/golden/, written by
tests/golden/make_golden.py from arunos728/MotionSqueeze at the commit of PROVENANCE.md, the
official naive CPU path). Weights and inputs are rebuilt here from the same seeds
(:mod:`motionsqueeze.testing`), by the official state-dict names, and loaded into our modules
through :func:`motionsqueeze.convert.convert`: the converter is tested by every test here.
"""
import functools
import os.path as osp

import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from mmengine.registry import DefaultScope

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden')

# Tolerances (float32 everywhere). The official correlation is a full (HW x HW) bmm then a
# diagonal gather, ours a block-wise bmm (shared op): the same dot products summed in another
# order (~1e-7 relative); the temperature-100 softmax and the backward through it amplify such
# differences. Measured max |ours - official| (2026-12-02, this machine, seeds of the files):
# flow 2.4e-7 (values up to 1), confidence 0, block eval 1.2e-7 (of 1.1), train 3.1e-6 (of 6.9),
# input grad 4.6e-4 (of 120: 3.8e-6 relative), parameter grads up to 5.6e-6 relative
# (chnl_reduction.1.bias 1.3e-4 of 23.7), whole-forward logits 3.6e-6 (of 24).
# Tolerances: about 10x those.
FLOW_ATOL = 5e-6
REL = 5e-5   # relative to the tensor's max magnitude, for the block outputs and gradients
LOGIT_ATOL = 1e-4


def _close(ours, theirs, rel=REL):
    scale = theirs.abs().max().item()
    err = (ours - theirs).abs().max().item()
    assert err <= rel * scale, f'max |ours - official| {err:.3g} > {rel:g} x {scale:.3g}'
    return err, scale


def _block_golden():
    from motionsqueeze.convert import BLOCK, convert, to_official
    from motionsqueeze.models import MotionSqueezeBlock
    from motionsqueeze.testing import golden_weights
    golden = load_checkpoint_file(osp.join(GOLDEN, 'ms_block.pt'))
    block = MotionSqueezeBlock(in_channels=golden['in_channels'],
                               num_segments=golden['num_segments'])
    # official names of the block (to_official is the converter's inverse; checked below)
    official_names = to_official({BLOCK + k: v for k, v in block.state_dict().items()},
                                 unused_bn_channels=None)
    # golden_weights seeds by rank among ALL official keys of the model: rebuild that rank
    full = _official_r18_shapes(num_classes=10)
    official = golden_weights(full, golden['weight_seed'], golden['weight_scale'],
                              keys=set(official_names))
    ours = {k[len(BLOCK):]: v for k, v in convert(official).items()}
    block.load_state_dict(ours, strict=True)
    return golden, block


def _recognizer(num_classes=5, depth=18, blocks=True):
    import motionsqueeze  # noqa: F401  (registers the block)
    from mmaction.registry import MODELS
    in_channels = 128 if depth == 18 else 512
    block = [dict(stage='layer2', block=dict(type='MotionSqueezeBlock',
                                             in_channels=in_channels))] if blocks else []
    cfg = dict(
        type='Recognizer2D',
        backbone=dict(type='ResNetTSMWithBlocks', depth=depth, num_segments=8, pretrained=None,
                      norm_eval=False, shift_div=8, blocks=block),
        cls_head=dict(type='TSMHead', num_classes=num_classes, in_channels=512 * (
            1 if depth == 18 else 4), num_segments=8, dropout_ratio=0.5, is_shift=True,
            average_clips='prob'),
        data_preprocessor=dict(type='ActionDataPreprocessor', mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], format_shape='NCHW'))
    with DefaultScope.overwrite_default_scope('mmaction'):
        return MODELS.build(cfg)


@functools.lru_cache(maxsize=4)
def _official_r18_shapes(num_classes):
    """Official R18 + MS state-dict shapes, from ours through the converter's inverse."""
    from motionsqueeze.convert import to_official
    model = _recognizer(num_classes=num_classes)
    return {k: v.shape for k, v in to_official(model.state_dict()).items()}


def test_block_forward_and_backward_match_official():
    from motionsqueeze.testing import BLOCK_CHANNELS, block_inputs
    golden, block = _block_golden()
    x = block_inputs()
    assert torch.allclose(x.double().sum(), golden['x_sum'])  # the same seeded input
    c = BLOCK_CHANNELS
    block.eval()
    with torch.no_grad():
        flow, confidence = block.motion(x)
        out_eval = block(x)
    torch.testing.assert_close(flow, golden['flow'], atol=FLOW_ATOL, rtol=0)
    torch.testing.assert_close(confidence, golden['confidence'], atol=1e-6, rtol=0)
    assert golden['flow'].abs().max() > 0.2  # non-trivial flows (textures move 1-2 px)
    _close(out_eval[:, c], golden['out_eval'])
    block.train()
    xg = x.clone().requires_grad_()
    out = block(xg)
    grad_out = torch.randn(x.shape, generator=torch.Generator().manual_seed(
        golden['grad_out_seed']))
    (out * grad_out).sum().backward()
    _close(out.detach()[:, c], golden['out_train'])
    _close(xg.grad[:, c], golden['grad_inputs'])
    from motionsqueeze.convert import BLOCK, _ours_name
    params = dict(block.named_parameters())
    for name, expected in golden['grad_params'].items():
        ours = params[_ours_name(name)[len(BLOCK):]].grad
        _close(ours, expected)


def test_block_golden_sees_a_one_percent_weight_change():
    """1 % relative noise on the reduction conv (before the correlation) or on the last
    pointwise conv moves the output far beyond the tolerance: every part matters."""
    from motionsqueeze.testing import BLOCK_CHANNELS, block_inputs
    golden, block = _block_golden()
    block.eval()
    x = block_inputs()
    # measured: reduce 3.5e-4, encoder 4.1e-3 (max |change| of out_eval, whose max is 1.13);
    # the reduction noise moves the flow by up to 1.14 (an argmax that jumps)
    for name, factor in (('reduce.0.weight', 3), ('encoder.3.3.weight', 20)):
        _, fresh = _block_golden()
        fresh.eval()
        w = dict(fresh.named_parameters())[name]
        with torch.no_grad():
            w.mul_(1 + 0.01 * torch.randn(w.shape, generator=torch.Generator().manual_seed(9)))
            out = fresh(x)[:, BLOCK_CHANNELS]
        err = (out - golden['out_eval']).abs().max().item()
        assert err > factor * REL * golden['out_eval'].abs().max().item(), (name, err)
    # and the reduction's noise reaches the flow (the correlation is not scale-blind to it)
    _, fresh = _block_golden()
    fresh.eval()
    w = fresh.reduce[0].weight
    with torch.no_grad():
        w.mul_(1 + 0.01 * torch.randn(w.shape, generator=torch.Generator().manual_seed(9)))
        flow, _ = fresh.motion(x)
    moved = (flow - golden['flow']).abs().max().item()
    assert moved > 20 * FLOW_ATOL, moved


def _whole():
    from motionsqueeze.convert import convert
    from motionsqueeze.testing import golden_weights, whole_raw_clips
    golden = load_checkpoint_file(osp.join(GOLDEN, 'whole_forward.pt'))
    model = _recognizer(num_classes=golden['num_classes']).eval()
    shapes = _official_r18_shapes(golden['num_classes'])
    official = golden_weights(shapes, golden['weight_seed'], golden['weight_scale'])
    official.update(golden['bn_statistics'])
    model.load_state_dict(convert(official), strict=True)
    raw = whole_raw_clips()
    assert torch.allclose(raw.double().sum(), golden['raw_sum'])
    return golden, model, raw


def _logits(model, raw):
    with torch.no_grad():
        data = model.data_preprocessor(dict(inputs=list(raw), data_samples=None), training=False)
        feats = model.backbone(data['inputs'].flatten(0, 1))
        return model.cls_head(feats, num_segs=8)


def test_whole_forward_matches_official():
    """Raw 0..255 clips -> mmaction2's ActionDataPreprocessor -> TSM-R18 with the MS module ->
    TSMHead (average consensus) equals the official ResNet.forward + consensus."""
    golden, model, raw = _whole()
    logits = _logits(model, raw)
    torch.testing.assert_close(logits, golden['outputs'], atol=LOGIT_ATOL, rtol=0)
    assert golden['outputs'].std() > 0.3  # logits that differ between classes and clips
    # every part matters: 1 % noise on the MS module's last pointwise conv, or no MS module
    w = model.backbone.stage_blocks['layer2_after'].encoder[3][3].weight
    with torch.no_grad():
        w.mul_(1 + 0.01 * torch.randn(w.shape, generator=torch.Generator().manual_seed(9)))
    assert (_logits(model, raw) - golden['outputs']).abs().max() > 10 * LOGIT_ATOL
    del model.backbone.stage_blocks['layer2_after']
    assert (_logits(model, raw) - golden['outputs']).abs().max() > 100 * LOGIT_ATOL


def test_harness_refuses_a_folder_that_is_not_a_checkout(tmp_path, capsys):
    import importlib.util
    spec = importlib.util.spec_from_file_location('make_golden',
                                                  osp.join(GOLDEN, 'make_golden.py'))
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    with pytest.raises(SystemExit):
        harness.main([str(tmp_path / 'no_checkout')])
    assert 'no_checkout' in capsys.readouterr().err
