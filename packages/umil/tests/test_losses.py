"""UMIL's losses against brute-force double loops (card 6a, 6b) and their stated properties."""
import math

import numpy as np
import torch
from umil.models import losses as L


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_cluster_loss_equals_a_double_loop():
    rng = np.random.default_rng(0)
    n, d = 6, 8
    feat = rng.standard_normal((n, d))
    feat[:3] += 3 * rng.standard_normal(d)
    lw, ls = 3 * rng.standard_normal((n, 2)), 3 * rng.standard_normal((n, 2))
    pw, ps = _softmax(lw), _softmax(ls)
    f = feat / np.linalg.norm(feat, axis=1, keepdims=True)
    total, targets = 0.0, []
    for i in range(n):
        for j in range(n):
            s = 1 if f[i] @ f[j] > 0.7 else -1
            targets.append(s)
            p = pw[j] @ ps[i]
            total += -math.log((p if s == 1 else 1 - p) + 1e-7)
    loss, target = L.cluster_loss(torch.tensor(feat, dtype=torch.float64),
                                  torch.tensor(lw), torch.tensor(ls), 0.7)
    assert target.tolist() == targets and 0 < targets.count(1) < n * n
    assert abs(loss.item() - total / n / n) < 1e-10


def test_mil_margin_consistency_and_smoothness_equal_loops():
    rng = np.random.default_rng(1)
    b, a, k = 3, 2, 5
    logits = 3 * rng.standard_normal((b, a, k, 2))
    labels = np.array([0, 4, 1])
    p = _softmax(logits)
    mil = mar = 0.0
    for v in range(b):
        for w in range(a):
            t = int(np.argmax(p[v, w, :, 1]))
            y = int(labels[v] > 0)
            weight = p[v, w, t].max()
            mil += -math.log(p[v, w, t, y]) * weight
            m = p[v, w, :, 1].max() - p[v, w, :, 1].min()
            mar += -(y * math.log(m) + (1 - y) * math.log(1 - m)) * weight
    con = 0.0
    for v in range(b):
        for s in range(k):
            if p[v, 0, s].max() >= 0.8:
                con += -math.log(p[v, 1, s, int(np.argmax(p[v, 0, s]))])
    smooth = sum(((p[v, w, 1:, 1] - p[v, w, :-1, 1]) ** 2).sum()
                 for v in range(b) for w in range(a)) / (b * a)
    x = torch.tensor(logits)
    out = L.mil_losses(x, torch.tensor(labels))
    assert abs(out['loss_mil'].item() - mil / (b * a)) < 1e-10
    assert abs(out['loss_mar'].item() - mar / (b * a)) < 1e-10
    assert abs(L.consistency_loss(x, 0.8).item() - con / (b * k)) < 1e-10 and con > 0
    sm, sp = L.smooth_sparse(x.softmax(-1)[..., 1])
    assert abs(sm.item() - smooth) < 1e-10
    assert abs(sp.item() - p[..., 1].sum(-1).mean()) < 1e-10


def test_mil_weight_is_not_detached():
    x = (3 * torch.randn(2, 2, 4, 2, generator=torch.Generator().manual_seed(0),
                         dtype=torch.float64)).requires_grad_()
    labels = torch.tensor([1, 0])
    (g1,) = torch.autograd.grad(L.mil_losses(x, labels)['loss_mil'], x)
    # the same loss with the weight detached has another gradient
    flat = x.reshape(4, 4, 2)
    sc = flat.softmax(-1)
    ind = sc[..., 1].argmax(-1)
    r = torch.arange(4)
    w = sc[r, ind].max(-1).values.detach()
    y = (labels[:, None] > 0).expand(2, 2).reshape(-1).long()
    detached = (torch.nn.functional.cross_entropy(flat[r, ind], y, reduction='none') * w).mean()
    (g2,) = torch.autograd.grad(detached, x)
    assert (g1 - g2).abs().max() > 1e-3


def test_umil_step_skips_small_ambiguous_sets_and_compat_gradient_reaches_the_anomaly_head():
    gen = torch.Generator().manual_seed(0)
    feat = torch.randn(2, 2, 4, 8, generator=gen)
    y = torch.randn(2, 2, 4, 2, generator=gen, requires_grad=True)
    ycn = torch.randn(2, 2, 4, 2, generator=gen, requires_grad=True)
    few = torch.zeros(2, 4, dtype=torch.bool)
    few[0, :2] = True
    assert L.umil_step_losses(feat, y, ycn, few) is None
    many = torch.ones(2, 4, dtype=torch.bool)
    out = L.umil_step_losses(feat, y, ycn, many)
    (gy,) = torch.autograd.grad(out['loss_compat'], y, retain_graph=True)
    (gc,) = torch.autograd.grad(out['loss_clu'], ycn)
    assert gy.abs().sum() > 0 and gc.abs().sum() > 0
