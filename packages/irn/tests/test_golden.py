"""Golden tensors of the official code (tests/golden/, written by tests/golden/make_golden.py
from a checkout of jiwoon-ahn/irn; PROVENANCE.md says which commit and command).

The weights are not stored: :func:`irn.testing.golden_fill` rebuilds them (the harness loaded
the same ones into the official modules through :func:`irn.convert.to_official`).
"""
import functools
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden')
# ImageNet normalisation of the official TorchvisionNormalize, in 0..255 units
MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]


def _harness():
    spec = importlib.util.spec_from_file_location('make_golden',
                                                  osp.join(GOLDEN, 'make_golden.py'))
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    return harness


def _golden(name):
    return load_checkpoint_file(osp.join(GOLDEN, name))


def _preprocess(image_u8):
    """Raw ``H x W x 3`` uint8 -> normalised ``3 x H x W`` via mmengine's data preprocessor."""
    from mmengine.model import ImgDataPreprocessor
    pre = ImgDataPreprocessor(mean=MEAN, std=STD)
    return pre(dict(inputs=[image_u8.permute(2, 0, 1).contiguous()]))['inputs'][0]


def _cam_net():
    from irn.models import IrnCAMNet
    from irn.testing import golden_fill
    return golden_fill(IrnCAMNet(), _harness().CAM_SEED).eval()


@functools.lru_cache(maxsize=1)
def _irn_weights():
    from irn.models import IrnNet
    from irn.testing import golden_fill
    h = _harness()
    net = golden_fill(IrnNet(), h.IRN_SEED)
    net.mean_shift.running_mean.copy_(torch.tensor(h.MEAN_SHIFT))
    return net.state_dict()


def _irn_net():
    """IRNet with the golden weights (filled once per worker: ResNet-50 is 25 M numbers)."""
    from irn.models import IrnNet
    net = IrnNet()
    net.load_state_dict(_irn_weights())
    return net


def _fused_cam(net, x):
    out = net(torch.stack([x, x.flip(-1)]), mode='tensor')
    return out[0] + out[1].flip(-1)


def test_cam_whole_forward_from_the_raw_image():
    """Raw image -> normalisation -> ResNet-50 (fixed BN with random statistics) -> 1x1
    classifier -> ReLU -> flip fusion: the official ``CAM.forward``; and the pooled logits of
    ``Net.forward``.  Values reach ~330 after 50 layers: float32 sums in another order
    differ by ~1e-5 relative (measured 2e-6), hence rtol 1e-4."""
    g = _golden('cam_forward.pt')
    net = _cam_net()
    with torch.no_grad():
        x = _preprocess(g['image'])
        cam = _fused_cam(net, x)
        logits = net.logits(x[None])
    torch.testing.assert_close(cam, g['cam'], rtol=1e-4, atol=1e-3)
    torch.testing.assert_close(logits, g['logits'], rtol=1e-4, atol=1e-3)
    # every part matters: 1 % on the statistics of one early fixed BN moves the output far
    # beyond the tolerance (the classifier is linear: 1 % on it is 1 % of ~330)
    name = 'backbone.layer1.0.bn2.running_var'
    with torch.no_grad():
        net.state_dict()[name].mul_(1.01)
        moved = _fused_cam(net, x)
    assert (moved - g['cam']).abs().max() > 10 * (1e-3 + 1e-4 * g['cam'].abs().max())


def test_irn_branches_losses_and_gradients():
    """Both branches (train mode: no mean shift), the pair labels, the four loss terms, the
    total and the gradients of both branches' first and last layers against the official
    ``AffinityDisplacementLoss`` + ``step/train_irn.py`` reductions."""
    from cvshared.ops.affinity import PathIndex
    from irn.labels import downscale_label, pair_labels
    from irn.models import irn_losses
    g = _golden('irn_forward.pt')
    net = _irn_net().train()
    reduced = downscale_label(g['label'].numpy())
    np.testing.assert_array_equal(reduced, g['reduced'].numpy())
    index = PathIndex(10, reduced.shape)
    bg, fg, neg = pair_labels(reduced, index)
    for ours, theirs in ((bg, g['bg_pos']), (fg, g['fg_pos']), (neg, g['neg'])):
        torch.testing.assert_close(ours, theirs.float(), rtol=0, atol=0)
    x = _preprocess(g['image'])[None]
    edge, disp = net(x, mode='tensor')
    torch.testing.assert_close(edge, g['edge'], rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(disp, g['disp'], rtol=1e-4, atol=1e-4)
    losses = irn_losses(edge, disp, bg[None], fg[None], neg[None], index)
    for k, v in g['losses'].items():
        torch.testing.assert_close(losses[k], v, rtol=1e-5, atol=1e-6)
    losses['loss'].backward()
    params = dict(net.named_parameters())
    for k, v in g['grads'].items():
        torch.testing.assert_close(params[k].grad, v, rtol=1e-3, atol=1e-6)
    assert all(p.grad is None for n, p in params.items() if n.startswith('backbone.'))


def test_irn_inference_edge_displacement():
    """``EdgeDisplacement`` (pad to the crop, flip-averaged boundary, un-flipped displacement
    minus the mean shift) on a 90 x 84 image."""
    from irn.models import edge_displacement
    g = _golden('irn_forward.pt')
    net = _irn_net().eval()
    edge, disp = edge_displacement(net, _preprocess(g['infer_image']), crop_size=g['infer_crop'])
    torch.testing.assert_close(edge, g['infer_edge'], rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(disp, g['infer_disp'], rtol=1e-4, atol=1e-4)


def test_ir_label_matches_cam_to_ir_label():
    """Confident fg / bg by constant-padded argmax, the label CRF and the combination rule."""
    from irn.labels import cam_to_ir_label
    g = _golden('ir_label.pt')
    ours = cam_to_ir_label(g['image'].numpy(), g['high_res'], g['keys'])
    np.testing.assert_array_equal(ours, g['ir_label'].numpy())
    assert set(np.unique(ours)) == {0, 5, 12, 255}  # both classes, bg and unsure present


def test_centroids_clusters_and_detections():
    from irn.labels import cluster_centroids, detect_instance, find_centroids_with_refinement
    g = _golden('instances.pt')
    centroids = find_centroids_with_refinement(g['disp'].numpy(), iterations=300)
    np.testing.assert_array_equal(centroids, g['centroids'].numpy())
    clusters = cluster_centroids(centroids, g['disp'].numpy(), thres=2.5)
    np.testing.assert_array_equal(clusters, g['clusters'].numpy().astype(bool))
    assert clusters.shape[0] == 2
    det = detect_instance(g['score'].numpy(), g['masks'].numpy(), np.array([2, 5, 9]),
                          max_fragment_size=5)
    np.testing.assert_allclose(det['score'], g['det_score'].numpy(), rtol=0, atol=0)
    np.testing.assert_array_equal(det['mask'], g['det_mask'].numpy())
    np.testing.assert_array_equal(det['class'], g['det_class'].numpy())


def test_harness_refuses_a_folder_that_is_not_a_checkout(tmp_path, capsys):
    with pytest.raises(SystemExit):
        _harness().main([str(tmp_path / 'no_checkout')])
    assert 'no_checkout' in capsys.readouterr().err
