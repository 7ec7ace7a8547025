"""The converter: official state dicts (with their module aliases) load strictly into ours."""
import pytest
import torch


def _tiny(kind):
    from irn.models import IrnCAMNet, IrnNet
    bb = dict(depth=18, base_channels=8, stem_channels=8)
    return IrnCAMNet(backbone=bb) if kind == 'cam' else IrnNet(backbone=bb)


def _with_aliases(canonical: dict) -> dict:
    """What the official modules' state dicts hold: canonical names plus aliases."""
    out = {'module.' + k: v for k, v in canonical.items()}
    for k, v in canonical.items():
        if k.startswith('resnet50.layer1.'):
            out['module.stage2.0.' + k[len('resnet50.layer1.'):]] = v
            out['module.backbone.1.0.' + k[len('resnet50.layer1.'):]] = v
        if k.startswith('fc_edge1.'):
            out['module.edge_layers.0.' + k[len('fc_edge1.'):]] = v
    out['module.path_indices0'] = torch.zeros(3, 1, 5, dtype=torch.long)
    out['module.disp_target'] = torch.zeros(1, 2, 3, 1)
    return out


@pytest.mark.parametrize('kind', ['cam', 'irn'])
def test_official_names_load_strictly(kind):
    from irn.convert import convert, to_official
    from irn.testing import golden_fill
    src = golden_fill(_tiny(kind), 0)
    official = to_official(src.state_dict())
    assert all(k.startswith(('resnet50.', 'classifier.', 'fc_', 'mean_shift.')) for k in official)
    dst = _tiny(kind)
    dst.load_state_dict(convert(_with_aliases(official)), strict=True)
    for k, v in src.state_dict().items():
        assert torch.equal(dst.state_dict()[k], v), k


def test_torchvision_imagenet_names_map_to_the_backbone():
    from irn.convert import convert
    tv = {'conv1.weight': torch.zeros(1), 'layer4.2.bn3.running_var': torch.zeros(1),
          'fc.weight': torch.zeros(1), 'fc.bias': torch.zeros(1)}
    assert sorted(convert(tv)) == ['backbone.conv1.weight', 'backbone.layer4.2.bn3.running_var']


def test_unknown_keys_are_named():
    from irn.convert import convert
    with pytest.raises(KeyError, match='unexpected.weight'):
        convert({'unexpected.weight': torch.zeros(1)})


@pytest.mark.parametrize('official', [True, False])
def test_optimizer_groups_and_the_momentum_quirk(official):
    from irn.optim import optim_wrapper
    from mmengine.optim import build_optim_wrapper
    net = _tiny('cam')
    wrapper = build_optim_wrapper(net, optim_wrapper('cam', official_momentum=official))
    lrs = {}
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            lrs[id(p)] = (group['lr'], group['momentum'], group['weight_decay'])
    assert lrs[id(net.classifier.weight)][0] == pytest.approx(1.0)
    assert lrs[id(net.backbone.layer3[0].conv1.weight)][0] == pytest.approx(0.1)
    assert {m for _, m, _ in lrs.values()} == {1e-4 if official else 0.9}
    assert {w for _, _, w in lrs.values()} == {1e-4}
    irn = _tiny('irn')
    wrapper = build_optim_wrapper(irn, optim_wrapper('irn'))
    lr_of = {id(p): g['lr'] for g in wrapper.optimizer.param_groups for p in g['params']}
    assert lr_of[id(irn.fc_dp7[3].weight)] == pytest.approx(1.0)
    assert lr_of[id(irn.fc_edge6.weight)] == pytest.approx(0.1)
