"""The converter (``msflow.convert`` and its command line) and strict loading of a converted
official checkpoint (``tools/test.py`` loads strictly)."""
import os.path as osp
import subprocess
import sys

import msflow  # noqa: F401
import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from mmengine.runner.checkpoint import load_checkpoint
from msflow import convert as converter
from msflow.registry import MODELS
from msflow.testing import seeded_state

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
TOOL = osp.join(REPO, 'tools', 'model_converters', 'msflow_official_to_ours.py')


def _model(checkpoint=None):
    return MODELS.build(dict(
        type='MSFlow', backbone=dict(type='FrozenTimmExtractor', model_name='resnet18',
                                     checkpoint=checkpoint),
        cond_channels=8, parallel_blocks=(1, 2, 2)))


def _official_from(model):
    """An official-format checkpoint (``save_weights`` layout) with seeded flow weights."""
    flows = converter.to_official({k: v for k, v in model.state_dict().items()
                                   if not k.startswith('backbone.')}, fusion_order=[2, 0, 1])
    return {'epoch': 7,
            'parallel_flows': [seeded_state(f, 3 + k)
                               for k, f in enumerate(flows['parallel_flows'])],
            'fusion_flow': seeded_state(flows['fusion_flow'], 9)}


@pytest.fixture(scope='module')
def imagenet_file(tmp_path_factory):
    """A torchvision-style extractor file (timm names plus a head that is ignored)."""
    path = str(tmp_path_factory.mktemp('w') / 'resnet18_imagenet.pth')
    net = _model().backbone.net
    state = seeded_state(net.state_dict(), 21)
    state['fc.weight'] = torch.zeros(2, 2)
    torch.save(state, path)
    return path


def test_converted_official_checkpoint_loads_strictly_through_the_tool(tmp_path,
                                                                      imagenet_file):
    official = _official_from(_model())
    src, dst = str(tmp_path / 'official.pt'), str(tmp_path / 'ours.pth')
    torch.save(official, src)
    subprocess.run([sys.executable, TOOL, src, dst], check=True, cwd=REPO,
                   capture_output=True)
    ckpt = load_checkpoint_file(dst)
    assert not any(k.startswith('backbone.') for k in ckpt['state_dict'])
    model = _model(checkpoint=imagenet_file)  # what the paper configs do
    load_checkpoint(model, dst, strict=True)  # no missing / unexpected key
    back = converter.to_official(
        {k: v for k, v in model.state_dict().items() if not k.startswith('backbone.')},
        fusion_order=[2, 0, 1])
    for ref, got in zip(official['parallel_flows'], back['parallel_flows']):
        assert all(torch.equal(ref[k], got[k]) for k in ref)
    assert all(torch.equal(official['fusion_flow'][k], back['fusion_flow'][k])
               for k in official['fusion_flow'])
    # the extractor kept its ImageNet weights
    assert torch.equal(model.backbone.net.conv1.weight,
                       load_checkpoint_file(imagenet_file)['conv1.weight'])


def test_flows_only_checkpoint_is_refused_with_a_random_extractor(tmp_path):
    state = converter.convert(_official_from(_model()))
    with pytest.raises(RuntimeError, match='backbone.net.conv1.weight'):
        _model().load_state_dict(state, strict=True)
    # a partial extractor is always reported, even with ImageNet weights configured
    model = _model()
    model.backbone.pretrained_loaded = True
    partial = dict(state, **{'backbone.net.conv1.weight': model.backbone.net.conv1.weight})
    with pytest.raises(RuntimeError, match='backbone.net.bn1.weight'):
        model.load_state_dict(partial, strict=True)


def test_baked_extractor_makes_a_self_contained_checkpoint(imagenet_file):
    model = _model()
    state = converter.bake_extractor(converter.convert(_official_from(model)),
                                     load_checkpoint_file(imagenet_file),
                                     expected=model.backbone.net.state_dict())
    assert 'backbone.net.fc.weight' not in state
    fresh = _model()  # random extractor: the baked weights make the load complete
    fresh.load_state_dict(state, strict=True)
    assert torch.equal(fresh.backbone.net.conv1.weight,
                       load_checkpoint_file(imagenet_file)['conv1.weight'])
    with pytest.raises(KeyError, match='lack'):
        converter.bake_extractor({}, {'conv1.weight': torch.zeros(1)},
                                 expected=model.backbone.net.state_dict())


def test_convert_refuses_other_checkpoints():
    with pytest.raises(KeyError, match='not an official MSFlow checkpoint'):
        converter.convert({'state_dict': {}})
