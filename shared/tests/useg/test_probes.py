"""STEGO's probes (cvshared.useg.probes) against the official HP code (golden data:
shared/tests/data/useg/golden.pt, PROVENANCE.md) and against their definitions."""
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from cvshared.checkpoint import load_checkpoint_file
from cvshared.metrics.unsupervised_seg import cluster_confusion, unsupervised_scores
from cvshared.useg.probes import ClusterProbe, LinearProbe, kmeans_baseline, linear_probe_loss

GOLDEN = load_checkpoint_file(Path(__file__).resolve().parents[1] / 'data' / 'useg' /
                              'golden.pt')['probes']


def _probe():
    p = ClusterProbe(8, 5)
    with torch.no_grad():
        p.clusters.copy_(GOLDEN['clusters'])
    return p


def test_cluster_probe_matches_official_hard_assignment_and_gradient():
    p = _probe()
    loss, probs = p(GOLDEN['code'], None)
    loss.backward()
    assert torch.equal(probs, GOLDEN['probs_none'])
    torch.testing.assert_close(loss, GOLDEN['loss_none'], rtol=0, atol=1e-6)
    torch.testing.assert_close(p.clusters.grad, GOLDEN['grad_clusters'], rtol=0, atol=1e-6)


def test_cluster_probe_matches_official_soft_and_log_probs():
    p = _probe()
    loss, probs = p(GOLDEN['code'], 2)
    torch.testing.assert_close(loss, GOLDEN['loss_2'], rtol=0, atol=1e-6)
    torch.testing.assert_close(probs, GOLDEN['probs_2'], rtol=0, atol=1e-6)
    torch.testing.assert_close(p(GOLDEN['code'], 2, log_probs=True)[1], GOLDEN['log_probs_2'],
                               rtol=0, atol=1e-6)


def test_cluster_probe_loss_is_minus_mean_best_cosine():
    p = _probe()
    x = GOLDEN['code']
    best = torch.empty(2, 6, 7)
    for b in range(2):
        for i in range(6):
            for j in range(7):
                best[b, i, j] = max(F.cosine_similarity(x[b, :, i, j], c, dim=0)
                                    for c in p.clusters.detach())
    torch.testing.assert_close(p(x, None)[0].detach(), -best.mean(), rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match='log_probs needs alpha'):
        p(x, None, log_probs=True)
    with pytest.raises(ValueError, match='B x 8 x h x w'):
        p(x[:, :4])


def test_cluster_probe_trained_by_its_loss_separates_clusters():
    """Descending the hard-assignment loss is spherical k-means: three well-separated
    directions in the code are recovered one-to-one (Hungarian accuracy 100 %)."""
    g = torch.Generator().manual_seed(0)
    centres = F.normalize(torch.randn(3, 16, generator=g), dim=1)
    lab = torch.randint(0, 3, (4, 10, 10), generator=g)
    code = (centres[lab] + 0.15 * torch.randn(4, 10, 10, 16, generator=g)).permute(0, 3, 1, 2)
    torch.manual_seed(1)    # a start with 57.5 % (seed 2: a centre no pixel picks stays dead,
    p = ClusterProbe(16, 3)  # as in k-means and the official: 44.5 -> 55.25 %)
    acc0 = unsupervised_scores(cluster_confusion(p.similarity(code).argmax(1), lab, 3))
    opt = torch.optim.Adam(p.parameters(), lr=5e-2)
    before = p(code, None)[0].item()
    for _ in range(200):
        opt.zero_grad()
        loss = p(code, None)[0]
        loss.backward()
        opt.step()
    assert acc0['Accuracy'] < 60
    assert loss.item() < before - 0.2
    pred = p.similarity(code).argmax(1)
    assert unsupervised_scores(cluster_confusion(pred, lab, 3))['Accuracy'] == 100.0


def test_linear_probe_loss_matches_official_and_ignores_invalid_labels():
    logits = GOLDEN['lin_logits'].clone().requires_grad_(True)
    loss = linear_probe_loss(logits, GOLDEN['lin_label'])
    loss.backward()
    torch.testing.assert_close(loss.detach(), GOLDEN['lin_loss'], rtol=0, atol=1e-6)
    torch.testing.assert_close(logits.grad, GOLDEN['lin_grad'], rtol=0, atol=1e-7)
    # the definition: CE of the upsampled logits with -1 / 255 ignored
    lab = GOLDEN['lin_label'].clone()
    lab[lab < 0] = 255
    up = F.interpolate(GOLDEN['lin_logits'], lab.shape[-2:], mode='bilinear',
                       align_corners=False)
    ref = F.cross_entropy(up, lab, ignore_index=255)
    torch.testing.assert_close(loss.detach(), ref, rtol=0, atol=1e-6)
    assert linear_probe_loss(GOLDEN['lin_logits'], torch.full((2, 4, 4), 255)).item() == 0.0


def test_linear_probe_is_a_1x1_convolution():
    p = LinearProbe(8, 5)
    x = torch.randn(2, 8, 3, 4)
    ref = torch.einsum('bchw,kc->bkhw', x, p.weight[:, :, 0, 0]) + p.bias.view(1, 5, 1, 1)
    torch.testing.assert_close(p(x), ref)


def test_kmeans_baseline_recovers_separated_clusters_up_to_permutation():
    g = torch.Generator().manual_seed(1)
    centres = torch.randn(4, 12, generator=g) * 3
    lab = torch.randint(0, 4, (3, 5, 6), generator=g)
    feat = (centres[lab] + 0.1 * torch.randn(3, 5, 6, 12, generator=g)).permute(0, 3, 1, 2)
    pred = kmeans_baseline(feat, 4, seed=0)
    assert pred.shape == lab.shape
    assert unsupervised_scores(cluster_confusion(pred, lab, 4))['Accuracy'] == 100.0
    # not the identity labelling by construction: the ids are a permutation of the classes
    assert len(np.unique(pred.numpy())) == 4
