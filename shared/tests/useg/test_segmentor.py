"""The shared STEGO-protocol segmentor (cvshared.useg.segmentor), the one-optimiser-per-part
constructor (cvshared.engine.optim) and the probe-selecting metric, on a tiny subclass."""
import copy

import pytest
import torch
import torch.nn.functional as F
from cvshared.engine.optim import SubmoduleOptimWrapperConstructor
from cvshared.metrics.unsupervised_seg import UnsupervisedSegMetric
from cvshared.useg.segmentor import USegSegmentor
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

C = 3


class TinyUSeg(USegSegmentor):
    """code = 1x1 conv of the frozen ViT's feat; the 'paper loss' pulls the code of the two
    image halves apart (anything with a gradient into the head)."""

    def __init__(self, **kw):
        super().__init__(backbone=dict(type='DinoViT', arch='vit_small_patch8_224',
                                       img_size=32, embed_dim=24, depth=2, num_heads=2),
                         num_classes=C, code_dim=6, **kw)
        self.head = torch.nn.Conv2d(24, 6, 1)

    def code(self, img):
        return self.head(self.backbone(img)['feat'])

    def head_loss(self, img, data_samples):
        code = self.code(img)
        z = F.normalize(code, dim=1)
        return dict(loss_head=(z[..., :2] * z[..., 2:]).sum(1).mean()), code


def _batch(seed=0, n=2, size=32):
    g = torch.Generator().manual_seed(seed)
    imgs = torch.randn(n, 3, size, size, generator=g)
    samples = []
    for _ in range(n):
        s = SegDataSample()
        lab = torch.randint(0, C, (1, size, size), generator=g)
        lab[0, :2] = 255
        s.gt_sem_seg = PixelData(data=lab)
        samples.append(s)
    return imgs, samples


def _optim(model, max_norm=1e-3):
    return SubmoduleOptimWrapperConstructor(dict(
        net=dict(modules=('head',), optimizer=dict(type='AdamW', lr=1e-2, weight_decay=0.1),
                 clip_grad=dict(max_norm=max_norm)),
        linear=dict(modules=('linear_probe',), optimizer=dict(type='Adam', lr=1e-2)),
        cluster=dict(modules=('cluster_probe',), optimizer=dict(type='Adam', lr=5e-2))))(model)


def test_train_step_equals_the_official_separate_optimisers():
    """One backward of the sum, the network's gradient alone clipped (norm 1e-3, so the clip
    acts), each part stepped by its own optimiser: the same parameters as a plain-PyTorch loop
    written as the official run.py does it."""
    torch.manual_seed(0)
    model = TinyUSeg()
    ref = copy.deepcopy(model)
    imgs, samples = _batch()
    wrappers = _optim(model)
    data = dict(inputs=imgs, data_samples=samples)
    log = model.train_step(data, wrappers)
    assert set(log) >= {'loss', 'loss_head', 'loss_linear', 'loss_cluster'}

    net = torch.optim.AdamW(ref.head.parameters(), lr=1e-2, weight_decay=0.1)
    lin = torch.optim.Adam(ref.linear_probe.parameters(), lr=1e-2)
    clu = torch.optim.Adam(ref.cluster_probe.parameters(), lr=5e-2)
    losses = ref.loss(imgs, samples)
    sum(losses.values()).backward()
    norm = torch.nn.utils.clip_grad_norm_(ref.head.parameters(), 1e-3)
    assert norm > 1e-2    # the clip changes the step
    for o in (net, lin, clu):
        o.step()
    for (n, p), (_, q) in zip(model.named_parameters(), ref.named_parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=1e-7, msg=n)
    # the backbone is frozen
    assert all(not p.requires_grad for p in model.backbone.parameters())


def test_probe_losses_do_not_reach_the_network():
    torch.manual_seed(0)
    model = TinyUSeg()
    imgs, samples = _batch()
    losses = model.loss(imgs, samples)
    (losses['loss_linear'] + losses['loss_cluster']).backward()
    assert all(p.grad is None or not p.grad.any() for p in model.head.parameters())
    assert model.linear_probe.weight.grad.abs().sum() > 0
    assert model.cluster_probe.clusters.grad.abs().sum() > 0


def test_constructor_refuses_untrained_doubled_and_unknown_parts():
    model = TinyUSeg()
    with pytest.raises(ValueError, match='in no entry'):
        SubmoduleOptimWrapperConstructor(dict(
            net=dict(modules=('head',), optimizer=dict(type='Adam', lr=1e-3))))(model)
    with pytest.raises(ValueError, match="both 'a' and 'b'"):
        SubmoduleOptimWrapperConstructor(dict(
            a=dict(modules=('head', 'linear_probe', 'cluster_probe'),
                   optimizer=dict(type='Adam', lr=1e-3)),
            b=dict(modules=('head',), optimizer=dict(type='Adam', lr=1e-3))))(model)
    with pytest.raises(ValueError, match="no submodule 'proj'"):
        SubmoduleOptimWrapperConstructor(dict(
            a=dict(modules=('proj',), optimizer=dict(type='Adam', lr=1e-3))))(model)


def test_predict_upsamples_the_code_and_reads_both_probes():
    torch.manual_seed(0)
    model = TinyUSeg().eval()
    imgs, samples = _batch(size=32)
    for s in samples:    # labels at twice the input size: the code is upsampled to them
        s.gt_sem_seg = PixelData(data=torch.zeros(1, 64, 64, dtype=torch.long))
    out = model.predict(imgs, samples)
    code = F.interpolate(model.code(imgs), (64, 64), mode='bilinear', align_corners=False)
    cos = torch.einsum('bchw,kc->bkhw', F.normalize(code, dim=1),
                       F.normalize(model.cluster_probe.clusters, dim=1))
    for i, s in enumerate(out):
        assert s.pred_sem_seg.data.shape == (1, 64, 64)
        assert torch.equal(s.pred_sem_seg.data[0], cos[i].argmax(0))
        assert torch.equal(s.linear_pred_sem_seg.data[0],
                           model.linear_probe(code)[i].argmax(0))
    assert len(torch.unique(out[0].pred_sem_seg.data)) > 1


def test_crf_prediction_follows_the_image_edges():
    """A two-colour image and a probe whose code is noise: without CRF the prediction is
    speckled, the dense CRF makes it follow the two halves (agreement with the halves up)."""
    torch.manual_seed(0)
    model = TinyUSeg(crf=True).eval()
    img = torch.zeros(1, 3, 32, 32)
    img[..., :16] = -1.5
    img[..., 16:] = 1.5
    half = torch.zeros(32, 32, dtype=torch.long)
    half[:, 16:] = 1
    g = torch.Generator().manual_seed(3)
    noise = 0.6 * torch.randn(1, 6, 4, 4, generator=g)
    side = torch.zeros(1, 6, 4, 4)
    side[:, 0, :, :2], side[:, 1, :, 2:] = 1.0, 1.0
    model.code = lambda x: side + noise
    with torch.no_grad():
        model.cluster_probe.clusters.copy_(torch.eye(6)[:C] + 0.05)
        model.linear_probe.weight.copy_(torch.eye(6)[:C, :, None, None])
        model.linear_probe.bias.zero_()

    def agreement(pred):
        return max((pred == half).float().mean(), (pred == 1 - half).float().mean()).item()

    with_crf = model.predict_maps(img, (32, 32))
    model.crf = False
    without = model.predict_maps(img, (32, 32))
    for a, b in zip(with_crf, without):
        assert agreement(a[0]) > agreement(b[0]) + 0.02
        assert agreement(a[0]) > 0.97


def test_metric_scores_the_chosen_probe():
    pred = torch.tensor([[[1, 1], [0, 0]]])
    lin = torch.tensor([[[0, 0], [1, 1]]])
    gt = torch.tensor([[[0, 0], [1, 1]]])
    sample = dict(pred_sem_seg=dict(data=pred), linear_pred_sem_seg=dict(data=lin),
                  gt_sem_seg=dict(data=gt))
    res = {}
    for key, hung in (('pred_sem_seg', True), ('linear_pred_sem_seg', False),
                      ('pred_sem_seg', False)):
        m = UnsupervisedSegMetric(num_classes=2, hungarian=hung, pred_key=key)
        m.process(None, [sample])
        res[key, hung] = m.compute_metrics(m.results)['Accuracy']
    assert res == {('pred_sem_seg', True): 100.0, ('linear_pred_sem_seg', False): 100.0,
                   ('pred_sem_seg', False): 0.0}
    with pytest.raises(KeyError, match='no .linear_x'):
        m = UnsupervisedSegMetric(num_classes=2, pred_key='linear_x')
        m.process(None, [sample])
