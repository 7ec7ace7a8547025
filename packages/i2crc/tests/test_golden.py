"""Golden tensors of the official code (tests/golden/, written by tests/golden/make_golden.py
from the official checkout; PROVENANCE.md gives the commit and command).

* ``whole_forward.pt``: the official ``VGG`` (cfg D1 + extra convs) with ``i2crc.testing.fill``
  weights on ``golden_inputs()`` -- raw normalised image -> logits, CAM, the three relation
  losses of ``VGG.forward`` / ``centerLoss``, the gradient of the total loss w.r.t. the CAM,
  and the official ``gen_gt.py`` label of image 0 (our ``cam_maps`` of its CAM + its
  saliency): the whole chain from the image to the pseudo label.
* ``labels.pt``: official ``gen_gt.py`` / ``label_refinement.py`` on the hand-made arrays of
  ``make_golden.label_cases`` (conflicts, weak saliency, the 1 % rule, foreign classes, the
  multi-class background fill, a missing class).

* ``deeplab.pt``: the official ``MSC`` around a small seeded conv net (the four training outputs
  and the eval max) and the official CRF step (mean-subtracted image cast to uint8, softmax of
  the resized logits, ``DenseCRF`` with the VOC config's values).

Tolerances: the float32 forward of the same 16-conv net in the same order: 1e-5 relative +
1e-5 absolute (the CAM's std is 1.6); labels are exact.
"""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden')
WHOLE_FORWARD = osp.join(GOLDEN, 'whole_forward.pt')
LABELS = osp.join(GOLDEN, 'labels.pt')
TOL = dict(atol=1e-5, rtol=1e-5)


def _harness():
    spec = importlib.util.spec_from_file_location('make_golden',
                                                  osp.join(GOLDEN, 'make_golden.py'))
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    return harness


def _model():
    from i2crc.convert import convert, to_official
    from i2crc.models import I2crcCAMNet
    from i2crc.testing import fill, shapes_of
    model = I2crcCAMNet(backbone=dict(type='I2crcVGG16D1'), data_preprocessor=dict(
        type='BaseDataPreprocessor'))
    official_shapes = shapes_of(to_official(model.state_dict()))
    model.load_state_dict(convert(fill(official_shapes)), strict=True)
    return model


@pytest.fixture(scope='module')
def golden():
    return load_checkpoint_file(WHOLE_FORWARD)


def test_whole_forward_matches_official(golden):
    from i2crc.models.relation import relation_losses
    inp = golden['inputs']
    model = _model().train()
    x = inp['img']
    cam = model.cam(x)
    torch.testing.assert_close(cam, golden['cam'], **TOL)
    torch.testing.assert_close(model(x, mode='tensor'), golden['logits'], **TOL)
    rel = relation_losses(cam, inp['sal'], inp['labels'])
    assert rel['num_single'] == 2
    for k in ('fg', 'bg', 'dist'):
        torch.testing.assert_close(rel[k], golden[f'loss_{k}'], **TOL)
    samples = [dict(img_labels=lab, saliency=s) for lab, s in zip(inp['labels'], inp['sal'])]
    losses = model(x, samples, mode='loss')
    torch.testing.assert_close(sum(losses.values()), golden['loss_total'], **TOL)


def test_relation_gradient_matches_official(golden):
    import torch.nn.functional as F
    from i2crc.models.relation import relation_losses
    inp = golden['inputs']
    x = golden['cam'].clone().requires_grad_(True)
    rel = relation_losses(x, inp['sal'], inp['labels'])
    total = (F.multilabel_soft_margin_loss(x.mean((2, 3)), inp['labels']) + 0.01 * rel['fg']
             + 0.025 * rel['bg'] + 0.1 * rel['dist'])
    total.backward()
    assert x.grad[2].abs().max() > 0  # the two-class image still gets the MLSM gradient
    torch.testing.assert_close(x.grad, golden['grad_cam'], atol=1e-7, rtol=1e-5)


def test_chain_image_to_pseudo_label_matches_official(golden):
    from i2crc.labels import cam_maps, gen_gt
    inp = golden['inputs']
    with torch.no_grad():
        cam = _model().eval().cam(inp['img'][:1])[0].numpy()
    maps = cam_maps(cam, inp['labels'][0].numpy(), inp['img'].shape[-2:])
    label = gen_gt(golden['sal0'].numpy(), maps)
    expected = golden['chain_label'].numpy()
    assert set(np.unique(expected)) == {0, 4, 255}
    np.testing.assert_array_equal(label, expected)


def test_gen_gt_and_label_refinement_match_official():
    from i2crc.labels import gen_gt, label_refinement
    golden = load_checkpoint_file(LABELS)
    gen, ref = _harness().label_cases()
    for (sal, maps), expected in zip(gen, golden['gen_gt'], strict=True):
        np.testing.assert_array_equal(gen_gt(sal, maps), expected.numpy())
    for (pred, init, classes), expected in zip(ref, golden['label_refinement'], strict=True):
        np.testing.assert_array_equal(label_refinement(pred, init, classes), expected.numpy())
    # the cases exercise the rules: ignore pixels, two classes, an all-ignored image
    assert {0, 5, 12, 255} <= set(np.unique(golden['gen_gt'][0].numpy()))
    assert set(np.unique(golden['gen_gt'][2].numpy())) == {255}
    assert set(np.unique(golden['label_refinement'][3].numpy())) == {255}


def test_msc_and_crf_match_official():
    import types

    from i2crc.pipeline import crf_label
    from i2crc.testing import tiny_msc_segmentor
    golden = load_checkpoint_file(osp.join(GOLDEN, 'deeplab.pt'))
    seg = tiny_msc_segmentor()
    seg._logits = types.MethodType(lambda self, x: base(x), seg)
    base = _harness().msc_base()
    with torch.no_grad():
        outs = seg.msc_logits(golden['x'])
    assert len(outs) == len(golden['train_out']) == 4
    for ours, theirs in zip(outs, golden['train_out']):
        torch.testing.assert_close(ours, theirs, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(outs[-1], golden['eval_out'], atol=1e-6, rtol=1e-5)
    label = crf_label(golden['crf_img'].numpy(), golden['crf_logits'], 'official')
    expected = golden['crf_label'].numpy()
    assert len(np.unique(expected)) > 1
    np.testing.assert_array_equal(label, expected)
    # the official image quirk matters: the plain image gives another label here
    assert not np.array_equal(crf_label(golden['crf_img'].numpy(), golden['crf_logits'], 'rgb'),
                              expected)


def test_harness_refuses_a_folder_that_is_not_a_checkout(tmp_path, capsys):
    with pytest.raises(SystemExit):
        _harness().main([str(tmp_path / 'no_checkout')])
    assert 'no_checkout' in capsys.readouterr().err
