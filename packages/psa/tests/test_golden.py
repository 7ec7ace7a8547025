"""Golden tensors of the official code (tests/golden/, written by tests/golden/make_golden.py
from a checkout of jiwoon-ahn/psa; PROVENANCE.md says which commit and command).

* the whole forward from the raw image through ResNet-38 (random weights of
  :func:`psa.testing.fill`, frozen BN with random statistics) to the CAM net's logits and CAMs,
  AffinityNet's pair affinities and dense matrix, and the random walk to the pseudo label;
* the affinity labels: dense CRF of the la / ha stacks, pooling, label rule, pair labels.
"""
import os.path as osp

import numpy as np
import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from cvshared.ops.affinity import get_indices_of_pairs, pairs_to_dense

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden')
WHOLE_FORWARD = osp.join(GOLDEN, 'whole_forward.pt')
LABELS = osp.join(GOLDEN, 'affinity_labels.pt')
# float32 through 38 conv layers summed in another order (our ops vs the official ones):
# measured max |diff| 2e-6 on logits of magnitude ~2, 1e-7 on affinities of ~0.55
TOL_LOGITS, TOL_AFF = 2e-5, 2e-6


def _filled(model):
    from psa.convert import convert, to_official
    from psa.testing import fill, shapes_of
    sd = model.state_dict()
    official = to_official({k: v for k, v in sd.items() if v.is_floating_point()})
    model.load_state_dict(convert(fill(shapes_of(official))), strict=False)
    return model.eval()


def _inputs(model, img_hwc):
    data = model.data_preprocessor(dict(inputs=[img_hwc.permute(2, 0, 1).contiguous()]))
    return data['inputs']


@pytest.fixture(scope='module')
def golden():
    return load_checkpoint_file(WHOLE_FORWARD)


def test_cam_net_whole_forward_matches_official(golden):
    from psa.models import PsaCAMNet
    model = _filled(PsaCAMNet(backbone=dict(type='ResNet38')))
    x = _inputs(model, golden['img'])
    with torch.no_grad():
        logits = model(x, mode='tensor')
        cam = model.forward_cam(x)
        torch.testing.assert_close(logits, golden['logits'], atol=TOL_LOGITS, rtol=0)
        torch.testing.assert_close(cam, golden['cam'], atol=TOL_LOGITS, rtol=0)
        # a 1 % change of one mid-backbone conv moves the logits beyond the tolerance
        model.backbone.b4_3.conv_branch2a.weight.mul_(1.01)
        moved = (model(x, mode='tensor') - golden['logits']).abs().max()
    assert moved > 10 * TOL_LOGITS


def test_affinity_net_and_random_walk_match_official(golden):
    from psa.models import PsaAffinityNet
    from psa.random_walk import random_walk_labels
    model = _filled(PsaAffinityNet(backbone=dict(type='ResNet38')))
    x = _inputs(model, golden['img'])
    with torch.no_grad():
        aff = model(x, mode='tensor')
        torch.testing.assert_close(aff, golden['aff'], atol=TOL_AFF, rtol=0)
        h, w = x.shape[-2] // 8, x.shape[-1] // 8
        dense = pairs_to_dense(aff[0].reshape(-1), *get_indices_of_pairs(5, (h, w)), h * w)
        torch.testing.assert_close(dense, golden['dense'], atol=TOL_AFF, rtol=0)
        for method in ('sparse', 'dense'):
            out = random_walk_labels(model.affinity, x[0], golden['rw_keys'], golden['rw_cams'],
                                     method=method)
            # 256 steps amplify the 1e-7 affinity differences (beta = 8): 1e-5 on maps <= 1
            torch.testing.assert_close(out['cam_rw'], golden['cam_rw'], atol=1e-5, rtol=1e-4)
            assert torch.equal(out['label'], golden['rw_label'])
        model.f9.weight.mul_(1.01)   # 1 % of the last projection moves the affinities
        moved = (model(x, mode='tensor') - golden['aff']).abs().max()
    assert moved > 10 * TOL_AFF


def test_affinity_labels_match_official():
    from psa.models import crf_scores, extract_affinity_labels, label_from_scores, pool_scores
    g = load_checkpoint_file(LABELS)
    img = g['img'].numpy()
    la = crf_scores(img, g['cams'].numpy(), alpha=4)
    ha = crf_scores(img, g['cams'].numpy(), alpha=32)
    np.testing.assert_allclose(la[:, :88], g['crf_la'][:, :88].numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(ha[:, :88], g['crf_ha'][:, :88].numpy(), atol=1e-6, rtol=0)
    label = label_from_scores(pool_scores(g['crf_la']), pool_scores(g['crf_ha']))
    assert set(label.unique().tolist()) == {0, 1, 2, 255}   # every case of the rule occurs
    for ours, name in zip(extract_affinity_labels(label, 5), ('bg_pos', 'fg_pos', 'neg')):
        assert torch.equal(ours, g[name].float()), name
        assert g[name].sum() > 0


def test_harness_refuses_a_folder_that_is_not_a_checkout(tmp_path, capsys):
    import importlib.util
    spec = importlib.util.spec_from_file_location('make_golden',
                                                  osp.join(GOLDEN, 'make_golden.py'))
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    with pytest.raises(SystemExit):
        harness.main([str(tmp_path / 'no_checkout')])
    assert 'no_checkout' in capsys.readouterr().err
