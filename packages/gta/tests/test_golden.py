"""Golden tests of gta. No official code exists (README, Official code), so the references are
(a) mmaction2's OWN plain backbones: at its neutral setting (output BN scale 0, G4) the GTA
model is exactly mmaction2's TSM / I3D recognizer with the same weights; (b) an independent
LOOP re-derivation of (G1)-(G6) (tests/golden/make_golden.py, no official checkout needed) on
non-degenerate seeded weights (gta.testing.seeded_state_dict), stored as regression goldens:
the block alone (block.pt) and the whole synthetic-config recognizer from the raw uint8 clip
(whole_forward.pt: mmaction2's plain Recognizer2D with the loop GTA hooked after layer2).

Tolerances: float32 loop (per-pixel dot products, explicit sums over frames) vs our batched
matmul / einsum: measured max |diff| below 1e-6 on the block (outputs ~3) and below 1e-5 on the
logits (~0.5 .. 5 after ResNet-18): atol 1e-5 / 1e-4, rtol 1e-5. A 1 % change of any single
weight of the block (temporal logits, theta, heads, grouping, output conv) moves the output by
more than 10x the tolerance (tested), and removing the block moves the logits by more than 100x.
"""
import os.path as osp

import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden')
REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
SYNTHETIC = osp.join(REPO, 'configs', 'gta', 'gta_tsm-r18_1x1x8_10e_synthetic.py')
BLOCK_TOL = dict(atol=1e-5, rtol=1e-5)
WHOLE_TOL = dict(atol=1e-4, rtol=1e-5)


def _template(shapes: dict) -> dict:
    return {k: torch.zeros(s, dtype=torch.long if k.endswith('num_batches_tracked')
                           else torch.float32) for k, s in shapes.items()}


def _build(cfg):
    from gta.registry import MODELS
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmaction'):
        return MODELS.build(cfg)


def _synthetic_cfg(plain: bool):
    from mmengine.config import Config
    cfg = Config.fromfile(SYNTHETIC).model
    if plain:
        cfg.backbone.type = 'ResNetTSM'
        cfg.backbone.pop('blocks')
    return cfg


def test_neutral_gta_is_mmaction2s_own_tsm_recognizer_exactly():
    """(a) 2D: the synthetic config's Recognizer2D (TSM-R18 + GTA after layer2, initialised:
    output BN scale 0) vs mmaction2's plain ResNetTSM recognizer with the same (seeded,
    non-trivial) backbone and head weights, from the raw clip: equal bit for bit; with the
    block's BN scale moved off 0 they differ."""
    import gta  # noqa: F401
    from gta.testing import seeded_state_dict
    torch.manual_seed(0)
    ours, plain = _build(_synthetic_cfg(False)), _build(_synthetic_cfg(True))
    ours.init_weights()
    sd = seeded_state_dict(plain.state_dict(), seed=5)
    plain.load_state_dict(sd)
    missing, unexpected = ours.load_state_dict(sd, strict=False)
    assert not unexpected and missing and all('.stage_blocks.' in k for k in missing)
    ours.eval(), plain.eval()
    raw = torch.randint(0, 256, (2, 8, 3, 32, 32), generator=torch.Generator().manual_seed(3),
                        dtype=torch.uint8)
    with torch.no_grad():
        data = plain.data_preprocessor(dict(inputs=list(raw), data_samples=None), False)
        a = ours.cls_head(ours.extract_feat(data['inputs'], test_mode=True)[0], num_segs=8)
        b = plain.cls_head(plain.extract_feat(data['inputs'], test_mode=True)[0], num_segs=8)
        assert torch.equal(a, b)
        ours.backbone.stage_blocks['layer2_after'].norms['pixel'].weight.fill_(1.0)
        c = ours.cls_head(ours.extract_feat(data['inputs'], test_mode=True)[0], num_segs=8)
    assert (c - b).abs().max() > 1e-3


def test_neutral_gta_is_mmaction2s_own_resnet3d_exactly():
    """(a) 3D: ResNet3dWithBlocks (I3D inflation of the I3D config, GTA after blocks of layer2
    and layer3, initialised) vs mmaction2's ResNet3d with the same weights: equal bit for bit
    (train mode, batch statistics); with a block's BN scale off 0 they differ."""
    from gta.models import ResNet3dWithBlocks
    from gta.testing import seeded_state_dict
    from mmaction.models.backbones.resnet3d import ResNet3d
    kw = dict(depth=18, pretrained=None, pretrained2d=False, conv1_kernel=(5, 7, 7),
              conv1_stride_t=2, pool1_stride_t=2, inflate=((1, 1), (1, 0), (1, 0), (0, 1)))
    gta_block = dict(type='GTABlock', num_segments=2, num_heads=2, num_regions=3)
    ours = ResNet3dWithBlocks(blocks=[
        dict(stage='layer2', position=1, block=dict(gta_block, in_channels=128)),
        dict(stage='layer3', position='after', block=dict(gta_block, in_channels=256))], **kw)
    plain = ResNet3d(**kw)
    ours.init_weights()
    sd = seeded_state_dict(plain.state_dict(), seed=6)
    plain.load_state_dict(sd)
    missing, unexpected = ours.load_state_dict(sd, strict=False)
    assert not unexpected and all(k.startswith('stage_blocks.') for k in missing)
    x = torch.randn(2, 3, 16, 32, 32, generator=torch.Generator().manual_seed(4))
    a, b = ours(x), plain(x)
    assert torch.equal(a, b)
    with torch.no_grad():
        ours.stage_blocks['layer2_1'].norms['region'].weight.fill_(1.0)
    assert (ours(x) - b).abs().max() > 1e-3


@pytest.fixture(scope='module')
def block_golden():
    return load_checkpoint_file(osp.join(GOLDEN, 'block.pt'))


def _block(golden):
    from gta.models import GTABlock
    from gta.testing import seeded_state_dict
    block = GTABlock(**golden['kwargs'])
    assert {n: tuple(v.shape) for n, v in block.state_dict().items()} == golden['shapes']
    block.load_state_dict(seeded_state_dict(_template(golden['shapes']), golden['seed']))
    return block.eval()


def test_block_matches_the_loop_golden(block_golden):
    block = _block(block_golden)
    with torch.no_grad():
        torch.testing.assert_close(block(block_golden['inputs']), block_golden['outputs'],
                                   **BLOCK_TOL)


def test_block_golden_weights_are_far_from_degenerate(block_golden):
    """Attention far from uniform (entropy < 0.5 log N) for A (G3), the spatial attention (G1)
    and the region memberships (G5), and every part moves the output: a 1 % change of one
    weight tensor of each part moves it beyond 10x the tolerance."""
    from gta.testing import entropy_ratio
    block = _block(block_golden)
    x = block_golden['inputs']
    tokens = x.permute(0, 2, 1, 3, 4).reshape(8, 8, 9)
    with torch.no_grad():
        for level in block.levels:
            assert entropy_ratio(block.attention(level)) < 0.5
        core = block.cores['pixel']
        logits = torch.bmm(core.theta(tokens).transpose(1, 2), core.phi(tokens)) / 2.0
        assert entropy_ratio(logits.softmax(-1)) < 0.5
        pool, member = block.regions(tokens)
        assert entropy_ratio(member.transpose(1, 2)) < 0.5
        base = block(x)
        for name in ('cores.pixel.temporal', 'cores.region.temporal', 'cores.pixel.theta.weight',
                     'cores.pixel.g.weight', 'cores.region.phi.weight', 'cores.pixel.heads.weight',
                     'cores.region.heads.weight', 'group.weight', 'out_convs.region.weight',
                     'norms.pixel.weight'):
            param = dict(block.named_parameters())[name]
            param.mul_(1.01)
            moved = (block(x) - base).abs().max().item()
            param.div_(1.01)
            assert moved > 10 * BLOCK_TOL['atol'], f'{name}: a 1 % change moves {moved:.2e}'


def test_whole_forward_from_the_raw_clip_matches_the_loop_golden():
    """The synthetic config's Recognizer2D (data preprocessor, TSM-R18, GTA after layer2,
    TSMHead) from the raw uint8 clip vs mmaction2's plain recognizer + the loop GTA."""
    import gta  # noqa: F401
    from gta.testing import seeded_state_dict
    golden = load_checkpoint_file(osp.join(GOLDEN, 'whole_forward.pt'))
    model = _build(_synthetic_cfg(False))
    assert {n: tuple(v.shape) for n, v in model.state_dict().items()} == golden['shapes']
    model.load_state_dict(seeded_state_dict(_template(golden['shapes']), golden['seed']))
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(dict(inputs=list(golden['raw']), data_samples=None),
                                       False)
        logits = model.cls_head(model.extract_feat(data['inputs'], test_mode=True)[0],
                                num_segs=8)
        torch.testing.assert_close(logits, golden['logits'], **WHOLE_TOL)
        model.backbone.stage_blocks['layer2_after'].norms['pixel'].weight.zero_()
        model.backbone.stage_blocks['layer2_after'].norms['region'].weight.zero_()
        model.backbone.stage_blocks['layer2_after'].norms['pixel'].bias.zero_()
        model.backbone.stage_blocks['layer2_after'].norms['region'].bias.zero_()
        without = model.cls_head(model.extract_feat(data['inputs'], test_mode=True)[0],
                                 num_segs=8)
    assert (without - golden['logits']).abs().max() > 100 * WHOLE_TOL['atol']
