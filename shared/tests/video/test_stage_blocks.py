"""cvshared.video.stage_blocks: blocks at chosen places of mmaction2's ResNet / ResNet-TSM, and
the backbone itself (temporal shift, parameter names, pretrained loading) as mmaction2 builds it.
(cvshared is imported before mmaction2: its stack fixes let mmaction2 1.2.0 import.)"""
import pytest
import torch
import torch.nn as nn
from cvshared.video.stage_blocks import ResNetTSMWithBlocks, ResNetWithBlocks
from mmaction.models.backbones.resnet_tsm import ResNetTSM, TemporalShift
from mmaction.registry import MODELS
from mmengine.registry import DefaultScope

T = 4  # segments


class Record(nn.Module):
    """Identity that keeps its input (and the clip length it was given)."""

    def __init__(self, num_segments=None):
        super().__init__()
        self.num_segments = num_segments
        self.seen = None

    def forward(self, x):
        self.seen = x.detach().clone()
        return x


class Bias(nn.Module):
    """x + b per channel (a learnable block that changes the features)."""

    def __init__(self, channels):
        super().__init__()
        self.b = nn.Parameter(torch.full((channels,), 0.5))

    def forward(self, x):
        return x + self.b.view(1, -1, 1, 1)


def _tsm(**kw):
    torch.manual_seed(0)
    return ResNetTSM(18, num_segments=T, pretrained=None, pretrained2d=False, norm_eval=False, **kw)


def _with(blocks, **kw):
    torch.manual_seed(0)
    return ResNetTSMWithBlocks(18, blocks=blocks, num_segments=T, pretrained=None,
                               pretrained2d=False, norm_eval=False, **kw)


def _inputs():
    return torch.randn(2 * T, 3, 64, 64, generator=torch.Generator().manual_seed(1))


def test_identity_block_leaves_the_tsm_backbone_exactly_as_mmaction2_builds_it():
    plain, ours = _tsm(), _with([dict(stage='layer2', block=dict(type=Record))])
    own = {k: v for k, v in ours.state_dict().items() if not k.startswith('stage_blocks.')}
    assert list(own) == list(plain.state_dict())  # parameter names unchanged: weights load
    plain.load_state_dict(own)
    plain.eval(), ours.eval()
    x = _inputs()
    assert torch.equal(plain(x), ours(x))
    # the temporal shift is mmaction2's, at the same places with the same settings
    shifts = [(n, m.num_segments, m.shift_div) for n, m in ours.named_modules()
              if isinstance(m, TemporalShift)]
    assert shifts == [(n, m.num_segments, m.shift_div) for n, m in plain.named_modules()
                      if isinstance(m, TemporalShift)]
    assert len(shifts) == 8  # ResNet-18: every BasicBlock's conv1 (blockres)


@pytest.mark.parametrize('position', ['before', 'after', 0, 1])
def test_block_sees_the_tensor_of_its_place(position):
    ours = _with([dict(stage='layer2', position=position, block=dict(type=Record))])
    plain = _tsm()
    ours.eval(), plain.eval()
    plain.load_state_dict({k: v for k, v in ours.state_dict().items()
                           if not k.startswith('stage_blocks.')})
    grabbed = {}
    hooks = [plain.layer1.register_forward_hook(lambda m, i, o: grabbed.__setitem__('before', o)),
             plain.layer2.register_forward_hook(lambda m, i, o: grabbed.__setitem__('after', o)),
             plain.layer2[0].register_forward_hook(lambda m, i, o: grabbed.__setitem__(0, o)),
             plain.layer2[1].register_forward_hook(lambda m, i, o: grabbed.__setitem__(1, o))]
    x = _inputs()
    plain(x)
    ours(x)
    for h in hooks:
        h.remove()
    seen = ours.stage_blocks[f'layer2_{position}'].seen
    assert seen.shape == grabbed[position].shape
    assert torch.equal(seen, grabbed[position])
    same = {'after': 1, 1: 'after'}  # ResNet-18's layer2 has two residual blocks
    others = [p for p in ('before', 'after', 0, 1) if p != position and p != same.get(position)]
    # the other places hold other tensors, so seeing the right one is not a coincidence
    assert all(grabbed[p].shape != seen.shape or not torch.equal(grabbed[p], seen)
               for p in others)


def test_a_block_changes_the_output_and_trains():
    ours = _with([dict(stage='layer2', block=dict(type=Bias, channels=128))])
    plain = _tsm()
    plain.load_state_dict({k: v for k, v in ours.state_dict().items()
                           if not k.startswith('stage_blocks.')})
    ours.eval(), plain.eval()
    x = _inputs()
    out = ours(x)
    assert (out - plain(x)).abs().max() > 1e-3
    out.square().mean().backward()
    assert ours.stage_blocks['layer2_after'].b.grad.abs().sum() > 0
    assert ours.layer1[0].conv1.conv.net.weight.grad.abs().sum() > 0  # gradient passes through


def test_num_segments_is_passed_when_the_block_takes_it():
    ours = _with([dict(stage='layer3', block=dict(type=Record)),
                  dict(stage='layer1', position='before', block=dict(type=Record,
                                                                     num_segments=7))])
    assert ours.stage_blocks['layer3_after'].num_segments == T
    assert ours.stage_blocks['layer1_before'].num_segments == 7  # the config's own wins
    plain = ResNetWithBlocks(18, blocks=[dict(stage='layer2', block=dict(type=Bias, channels=128))],
                             pretrained=None)
    assert set(plain.stage_blocks) == {'layer2_after'}


@pytest.mark.parametrize('blocks, match', [
    ([dict(stage='res3', block=dict(type=Record))], 'not a layer'),
    ([dict(stage='layer2', position=2, block=dict(type=Record))], 'residual block index 0..1'),
    ([dict(stage='layer2', position='middle', block=dict(type=Record))], "'before', 'after'"),
    ([dict(stage='layer2', block=dict(type=Record))] * 2, 'two blocks at layer2'),
    ([dict(stage='layer2', where='after', block=dict(type=Record))], 'got keys'),
    ([dict(stage='layer2', block=dict(type='NoSuchBlockAnywhere'))], 'custom_imports'),
])
def test_bad_block_specs_are_clear_errors(blocks, match):
    with pytest.raises((ValueError, KeyError), match=match):
        _with(blocks)


def test_builds_from_a_recognizer_config_and_pretrained_2d_weights_still_load(tmp_path):
    torch.manual_seed(0)
    plain = ResNetTSM(18, num_segments=T, pretrained=None, pretrained2d=False)
    ckpt = tmp_path / 'r18.pth'
    torch.save({'state_dict': plain.state_dict()}, ckpt)
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = _build_recognizer(ckpt)
    model.init_weights()
    got = model.backbone.state_dict()
    assert all(torch.equal(got[k], v) for k, v in plain.state_dict().items())
    assert torch.equal(model.backbone.stage_blocks['layer2_after'].b, torch.full((128,), 0.5))
    feats = model(torch.randn(1, T, 3, 64, 64), mode='tensor')  # 1 clip of T frames
    assert feats.shape == (T, 512, 2, 2)
    assert model.cls_head(feats, num_segs=T).shape == (1, 3)


def _build_recognizer(ckpt):
    return MODELS.build(dict(
        type='Recognizer2D',
        backbone=dict(type='ResNetTSMWithBlocks', depth=18, num_segments=T, pretrained2d=False,
                      pretrained=str(ckpt), torchvision_pretrain=False,
                      blocks=[dict(stage='layer2', block=dict(type=Bias, channels=128))]),
        cls_head=dict(type='TSMHead', num_classes=3, in_channels=512, num_segments=T),
        data_preprocessor=dict(type='ActionDataPreprocessor', format_shape='NCHW')))


# --------------------------------------------------------------------------- ResNet3d (I3D)

def _r3d(cls=None, **kw):
    from mmaction.models.backbones.resnet3d import ResNet3d
    torch.manual_seed(0)
    args = dict(pretrained=None, pretrained2d=False, base_channels=8, norm_eval=False,
                with_pool2=True, **kw)
    return (cls or ResNet3d)(18, **args)


def test_resnet3d_with_an_identity_block_is_mmaction2s_resnet3d_and_blocks_see_their_place():
    from cvshared.video.stage_blocks import ResNet3dWithBlocks
    plain = _r3d()
    ours = _r3d(ResNet3dWithBlocks, blocks=[dict(stage='layer1', block=dict(type=Record)),
                                            dict(stage='layer3', position=0,
                                                 block=dict(type=Record))])
    own = {k: v for k, v in ours.state_dict().items() if not k.startswith('stage_blocks.')}
    assert list(own) == list(plain.state_dict())
    plain.load_state_dict(own)
    plain.eval(), ours.eval()
    x = torch.randn(2, 3, 8, 32, 32, generator=torch.Generator().manual_seed(3))
    grabbed = {}
    hooks = [plain.layer1.register_forward_hook(lambda m, i, o: grabbed.__setitem__('l1', o)),
             plain.layer3[0].register_forward_hook(lambda m, i, o: grabbed.__setitem__('l3', o))]
    want = plain(x)
    for h in hooks:
        h.remove()
    assert torch.equal(ours(x), want)
    # layer1's block sees layer1's output BEFORE pool2 halves time (8 -> 4 frames)
    assert torch.equal(ours.stage_blocks['layer1_after'].seen, grabbed['l1'])
    assert ours.stage_blocks['layer1_after'].seen.shape[2] == 8
    assert torch.equal(ours.stage_blocks['layer3_0'].seen, grabbed['l3'])


def test_resnet3d_block_changes_the_output_and_gets_gradients():
    from cvshared.video.stage_blocks import ResNet3dWithBlocks

    class Bias3d(Bias):
        def forward(self, x):
            return x + self.b.view(1, -1, 1, 1, 1)

    ours = _r3d(ResNet3dWithBlocks, blocks=[dict(stage='layer2', block=dict(type=Bias3d,
                                                                            channels=16))])
    plain = _r3d()
    plain.load_state_dict({k: v for k, v in ours.state_dict().items()
                           if not k.startswith('stage_blocks.')})
    x = torch.randn(1, 3, 8, 32, 32)
    out = ours(x)
    assert (out - plain(x)).abs().max() > 1e-3
    out.square().mean().backward()
    assert ours.stage_blocks['layer2_after'].b.grad.abs().sum() > 0
