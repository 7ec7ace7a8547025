"""Golden tensors of the official code (tests/golden/*.pt, written by tests/golden/make_golden.py
from cswluo/CrossX at the commit of PROVENANCE.md): the whole forward from the raw image to
the three branches' logits and pooled part features, the training loss (each term) and its
gradients, for the ResNet "mix" model (CUB / NABirds), the ResNet "avg" model with the Dogs
loss (ulti + plty only) and the SENet "mix" model. The weights are regenerated from their
names (crossx.testing); the stored checksums catch a generator that changed.

Tolerances (PROVENANCE.md): float32 on CPU, the same operations in a different order (our C3S
averages the normalised features before the dot product; the official averages the B x B
Gram matrix): measured max differences <= 2e-5 relative on logits and features.
"""
import os.path as osp

import pytest
import torch
from crossx import testing as T
from cvshared.checkpoint import load_checkpoint_file
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden')
FILES = ['resnet_mix.pt', 'resnet_avg_dogs.pt', 'senet_mix.pt']
RTOL, ATOL = 1e-4, 1e-4   # logits are O(1-20); float32 reassociation over 2048-wide sums




def build(golden):
    from crossx.convert import convert, to_official
    from crossx.registry import MODELS
    senet = golden['senet']
    backbone = dict(type='CrossXSEResNet' if senet else 'CrossXResNet', depth=50,
                    stage_blocks=T.STAGE_BLOCKS, num_parts=T.NUM_PARTS)
    branches = ('ulti', 'plty') if golden['dogs_resnet'] else ('ulti', 'plty', 'cmbn')
    head = dict(type='CrossXHead', num_classes=T.NUM_CLASSES, num_parts=T.NUM_PARTS,
                plty_pool='avg' if 'avg' in golden['module'] else 'max',
                gammas=golden['gammas'], branches=branches)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(dict(type='ImageClassifier', backbone=backbone, head=head))
    official = to_official(model.state_dict(), senet=senet)
    assert set(official) == set(golden['checksums'])   # the same parameters, by name
    weights = T.official_like_weights(official, golden['seed'])
    for k, v in weights.items():
        assert abs(float(v.double().abs().sum()) - golden['checksums'][k]) <= \
            1e-6 * max(1.0, golden['checksums'][k]), f'weight generator changed at {k}'
    model.load_state_dict(convert(weights), strict=True)
    return model


@pytest.fixture(scope='module', params=FILES)
def case(request):
    golden = load_checkpoint_file(osp.join(GOLDEN, request.param))
    return golden, build(golden)


def _close(a, b):
    torch.testing.assert_close(a, b, rtol=RTOL, atol=ATOL)


def test_inference_matches_official(case):
    golden, model = case
    model.eval()
    with torch.no_grad():
        out = model.head.forward_branches(model.extract_feat(golden['inputs']))
    ref = golden['eval']
    for b in ('ulti', 'plty', 'cmbn') if not golden['dogs_resnet'] else ('ulti', 'plty'):
        _close(out[b], ref[b])
        for ours, theirs in zip(out[f'{b}_feats'], ref[f'{b}_feats']):
            _close(ours, theirs)
    # the parts differ (the excitations matter): part features are far from each other
    assert (ref['ulti_feats'][0] - ref['ulti_feats'][1]).abs().mean() > \
        0.1 * ref['ulti_feats'][0].abs().mean()


def test_training_loss_and_gradients_match_official(case):
    from crossx.convert import to_official
    golden, model = case
    model.train()
    model.zero_grad()
    samples = [DataSample().set_gt_label(int(y)) for y in golden['labels']]
    losses = model(golden['inputs'], samples, mode='loss')
    terms = golden['train']['terms']
    names = {'cls': 'loss_cls', 'c3s_ulti': 'loss_c3s_ulti', 'c3s_plty': 'loss_c3s_plty',
             'c3s_cmbn': 'loss_c3s_cmbn', 'kl': 'loss_kl'}
    assert set(losses) == {names[k] for k in terms}
    for k, v in terms.items():
        torch.testing.assert_close(losses[names[k]].detach(), v, rtol=1e-4, atol=1e-6)
    sum(losses.values()).backward()
    grads = to_official({n: p.grad for n, p in model.named_parameters()
                         if p.grad is not None}, senet=golden['senet'])
    for name, ref in golden['grads'].items():
        g = grads[name]
        torch.testing.assert_close(g.norm(), ref['norm'], rtol=1e-3, atol=1e-7)
        torch.testing.assert_close(g.flatten()[:2048], ref['first'], rtol=1e-3,
                                   atol=1e-4 * float(ref['first'].abs().max()))


def test_harness_refuses_a_folder_that_is_not_a_checkout(tmp_path, capsys):
    import importlib.util
    spec = importlib.util.spec_from_file_location('make_golden',
                                                  osp.join(GOLDEN, 'make_golden.py'))
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    with pytest.raises(SystemExit):
        harness.main([str(tmp_path / 'no_checkout')])
    assert 'no_checkout' in capsys.readouterr().err
