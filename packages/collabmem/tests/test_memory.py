"""Properties of the collaborative memory (M1)-(M5) and of the video-level recognizer: clip
permutation equivariance, independence between videos, the neutral setting, closed-form
attention, gradients across clips, float64 gradcheck, the recognizer's clip axis."""
import math
import os.path as osp

import pytest
import torch
from collabmem.models import CollaborativeMemory, associative_read

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
SYNTHETIC = osp.join(REPO, 'configs', 'collabmem', 'collabmem_r3d-tiny_2x4x1_10e_synthetic.py')


def _block(seed=0, c=6, mem=4, scale=2.0, **kw):
    torch.manual_seed(seed)
    block = CollaborativeMemory(c, mem, zero_init_gate=False, **kw).double()
    with torch.no_grad():
        for p in block.parameters():
            p.mul_(scale)
    return block


def _x(b=2, n=3, c=6, seed=1):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(b * n, c, 2, 3, 3, generator=g, dtype=torch.float64)
            + torch.randn(b * n, c, 1, 1, 1, generator=g, dtype=torch.float64))


def test_clip_permutation_equivariance():
    block, x = _block(), _x()
    y = block(x, num_clips=3)
    perm = torch.tensor([2, 0, 1])
    order = torch.cat([perm, 3 + torch.tensor([1, 2, 0])])   # a different permutation per video
    y_perm = block(x[order], num_clips=3)
    torch.testing.assert_close(y_perm, y[order], atol=1e-12, rtol=0)
    # not vacuous: the output of a clip depends on the other clips
    x2 = x.clone()
    x2[1] += 1.0
    assert (block(x2, num_clips=3)[0] - y[0]).abs().max() > 1e-3


def test_videos_do_not_share_memory():
    block, x = _block(), _x()
    y = block(x, num_clips=3)
    x2 = x.clone()
    x2[3:] = torch.randn_like(x2[3:])        # change every clip of video 2
    y2 = block(x2, num_clips=3)
    torch.testing.assert_close(y2[:3], y[:3], atol=0, rtol=0)
    assert (y2[3:] - y[3:]).abs().max() > 1e-3


def test_identity_gates_at_initialisation_for_any_n():
    x = _x(n=4).float()
    for n in (1, 2, 4):
        block = CollaborativeMemory(6, 4)        # defaults: zero gate, gate_scale 2
        block.init_weights()
        torch.testing.assert_close(block(x, num_clips=n), x, atol=0, rtol=0)
    # with N = 1 the only memory entry gets weight 1 (a clip's own SE-style gate)
    block = _block()
    block(_x(n=1), num_clips=1)
    assert torch.equal(block.last_attention, torch.ones(2, 1, 1, dtype=torch.float64))


def test_closed_form_attention_on_tiny_tensors():
    """2 clips, 2 channels, identity projections: a_ij = softmax_j(p_i . p_j / sqrt 2)."""
    lin = []
    for _ in range(3):
        m = torch.nn.Linear(2, 2, bias=False).double()
        with torch.no_grad():
            m.weight.copy_(torch.eye(2))
        lin.append(m)
    p = torch.tensor([[[1.0, 0.0], [0.0, 2.0]]], dtype=torch.float64)   # (B=1, N=2, d=2)
    m, a = associative_read(p, *lin, temperature=math.sqrt(2))
    # clip 1: logits (1, 0)/sqrt2; clip 2: (0, 4)/sqrt2
    s1 = 1 / (1 + math.exp(-1 / math.sqrt(2)))
    s2 = 1 / (1 + math.exp(-4 / math.sqrt(2)))
    expected_a = torch.tensor([[[s1, 1 - s1], [1 - s2, s2]]], dtype=torch.float64)
    torch.testing.assert_close(a, expected_a, atol=1e-12, rtol=0)
    expected_m = torch.tensor([[[s1, 2 * (1 - s1)], [1 - s2, 2 * s2]]], dtype=torch.float64)
    torch.testing.assert_close(m, expected_m, atol=1e-12, rtol=0)
    # the gate of (M5), by hand, through the block
    block = CollaborativeMemory(2, 2, zero_init_gate=False).double()
    with torch.no_grad():
        for lin_b in (block.query, block.key, block.value, block.gate):
            lin_b.weight.copy_(torch.eye(2))
        block.query.bias.zero_()
        block.value.bias.zero_()
        block.gate.bias.fill_(-1.0)
    x = p.reshape(2, 2, 1, 1, 1)
    y = block(x, num_clips=2)
    gates = 2 / (1 + torch.exp(-(expected_m[0] - 1)))
    torch.testing.assert_close(y.reshape(2, 2), p[0] * gates, atol=1e-12, rtol=0)


def test_gradients_reach_every_clip_through_the_memory():
    block, x = _block(), _x().requires_grad_(True)
    y = block(x, num_clips=3)
    for i in range(3):
        grad, = torch.autograd.grad(y[i].sum(), x, retain_graph=True)
        per_clip = grad.flatten(1).abs().sum(1)
        assert (per_clip[:3] > 1e-6).all(), (i, per_clip)       # every clip of its video
        assert (per_clip[3:] == 0).all()                         # none of the other video
    # detach_others: the gradient of clip 0's output stays in clip 0
    block_d = _block(detach_others=True)
    y_d = block_d(x, num_clips=3)
    torch.testing.assert_close(y_d, y, atol=1e-12, rtol=0)       # same forward
    grad, = torch.autograd.grad(y_d[0].sum(), x)
    per_clip = grad.flatten(1).abs().sum(1)
    assert per_clip[0] > 0 and (per_clip[1:] == 0).all()


def test_gradcheck_float64():
    """Input and every parameter (end-to-end gradients; ``detach_others`` changes them on
    purpose, so it is not gradchecked)."""
    from torch.func import functional_call
    block = _block(c=3, mem=2)
    x = _x(b=1, n=3, c=3)[..., :2, :2].contiguous().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: block(t, num_clips=3), (x,), eps=1e-6, atol=1e-6)
    names = [n for n, _ in block.named_parameters()]
    inputs = tuple(p.detach().clone().requires_grad_(True) for p in block.parameters())

    def of_params(*ps):
        return functional_call(block, dict(zip(names, ps)), (x.detach(),),
                               dict(num_clips=3))
    assert torch.autograd.gradcheck(of_params, inputs, eps=1e-6, atol=1e-6)


def test_block_refuses_unknown_or_inconsistent_clip_count():
    block = CollaborativeMemory(6, 4)
    with pytest.raises(RuntimeError, match='number of clips per video'):
        block(_x().float())
    with pytest.raises(ValueError, match='not a multiple of 4'):
        block(_x().float(), num_clips=4)


def _synthetic_model(blocks=True):
    from collabmem.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    cfg = Config.fromfile(SYNTHETIC).model
    if not blocks:
        cfg.backbone.blocks = []
    with DefaultScope.overwrite_default_scope('mmaction'):
        return MODELS.build(cfg)


def test_recognizer_keeps_the_clip_axis_and_trains_video_level():
    from mmaction.structures import ActionDataSample
    torch.manual_seed(0)
    model = _synthetic_model()
    block = model.memories()[0]
    with torch.no_grad():
        block.gate.weight.normal_()
    x = torch.randn(3, 2, 3, 4, 16, 16, requires_grad=True)    # 3 videos x 2 clips
    samples = [ActionDataSample().set_gt_label(k % 2) for k in range(3)]
    losses = model(x, samples, mode='loss')
    assert block.num_clips is None                              # restored after the forward
    assert block.last_attention.shape == (3, 2, 2)
    losses['loss_cls'].backward()
    # the video loss reaches both clips of each video, and every parameter
    assert (x.grad.flatten(2).abs().sum(2) > 0).all()
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.parameters() if p.requires_grad)
    # video-level loss = cross-entropy of the mean clip logits
    with torch.no_grad():
        logits = model.cls_head(model.extract_feat(x)[0]).view(3, 2, -1).mean(1)
        ce = torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1, 0]))
    torch.testing.assert_close(losses['loss_cls'].detach(), ce, atol=1e-6, rtol=0)
    # the clip-level variant: the mean of the clips' cross-entropies
    model.loss_level = 'clip'
    with torch.no_grad():
        clip_loss = model(x, samples, mode='loss')['loss_cls']
        per_clip = model.cls_head(model.extract_feat(x)[0])
        ce = torch.nn.functional.cross_entropy(per_clip, torch.tensor([0, 0, 1, 1, 0, 0]))
    torch.testing.assert_close(clip_loss, ce, atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match='clips, C, T, H, W'):
        model(x[0], samples, mode='loss')


def test_base_model_has_no_cross_clip_gradient():
    """The contrast: without the memory a clip's output ignores the other clips."""
    model = _synthetic_model(blocks=False).eval()
    x = torch.randn(1, 2, 3, 4, 16, 16, requires_grad=True)
    feats, _ = model.extract_feat(x)
    feats[0].sum().backward()
    assert x.grad[0, 0].abs().sum() > 0 and x.grad[0, 1].abs().sum() == 0


def test_model_init_weights_keeps_identity_gates():
    """mmengine's init (the runner calls model.init_weights()) re-initialises the ResNet but
    leaves the memory at identity, so an initialised model is the base model."""
    import logging
    model = _synthetic_model()
    block = model.memories()[0]
    with torch.no_grad():
        block.gate.weight.fill_(1.0)
    logging.disable(logging.INFO)
    try:
        model.init_weights()
    finally:
        logging.disable(logging.NOTSET)
    assert block.gate.weight.abs().sum() == 0 and block.gate.bias.abs().sum() == 0
    assert block.query.weight.abs().sum() > 0
