"""EmbeddingRetriever / EmbeddingNeck / MetricLearningHead: built from configs in the
mmpretrain scope, pooling variants, frozen BN, the proxies' learning rate from paramwise_cfg,
loss composition by config."""
import pytest
import torch
from cvshared.retrieval import EmbeddingNeck, MetricLearningHead, ProxyAnchorLoss
from mmengine.optim import build_optim_wrapper
from mmengine.registry import MODELS, init_default_scope
from mmpretrain.structures import DataSample


def _model_cfg(loss, num_classes=4, dim=16, depth=18):
    return dict(
        type='EmbeddingRetriever',
        data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                               to_rgb=True),
        image_encoder=[
            dict(type='ResNet', depth=depth, out_indices=(3, ), norm_eval=True,
                 norm_cfg=dict(type='BN', requires_grad=False)),
            dict(type='EmbeddingNeck', in_channels=512, out_channels=dim, pooling='avg+max')],
        head=dict(type='MetricLearningHead', num_classes=num_classes, embed_dim=dim, loss=loss))


@pytest.fixture(scope='module')
def model():
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    return MODELS.build(_model_cfg(dict(type='ProxyAnchorLoss')))


def _batch(model, n=4, size=32):
    x = torch.rand(n, 3, size, size) * 255
    ds = [DataSample().set_gt_label(i % 4) for i in range(n)]
    return model.data_preprocessor(dict(inputs=list(x), data_samples=ds), True)


@pytest.mark.parametrize('pooling', ['avg', 'max', 'avg+max', 'avg,max'])
def test_neck_pooling_linear_l2(pooling):
    torch.manual_seed(0)
    neck = EmbeddingNeck(6, 5, pooling=pooling)
    fmap = torch.randn(3, 6, 4, 4)
    avg, mx = fmap.mean((2, 3)), fmap.amax((2, 3))
    pooled = {'avg': avg, 'max': mx, 'avg+max': avg + mx,
              'avg,max': torch.cat([avg, mx], 1)}[pooling]
    want = neck.embedding(pooled)
    want = want / torch.sqrt((want ** 2).sum(1, keepdim=True) + 1e-12)
    (out,) = neck((torch.zeros(1), fmap))  # a tuple input: the last element is pooled
    torch.testing.assert_close(out, want)
    assert neck.embedding.bias.abs().max() == 0  # official init: zero bias
    with pytest.raises(ValueError, match='pooling must be'):
        EmbeddingNeck(6, 5, pooling='gem')


def test_loss_and_predict(model):
    data = _batch(model)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_proxy_anchor'}
    emb = model.embed(data['inputs'])
    labels = torch.arange(4) % 4
    want = ProxyAnchorLoss()(emb, labels, model.head.proxies)
    torch.testing.assert_close(losses['loss_proxy_anchor'], want)
    model.eval()
    out = model(**data, mode='predict')
    model.train()
    stacked = torch.stack([d.embedding for d in out])
    torch.testing.assert_close(stacked.norm(dim=1), torch.ones(4))
    torch.testing.assert_close(stacked, emb.detach())


def test_bn_frozen_in_train_mode(model):
    model.train()
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and not any(m.training for m in bns)
    assert not any(p.requires_grad for m in bns for p in m.parameters())
    before = bns[0].running_mean.clone()
    model(**_batch(model), mode='loss')
    torch.testing.assert_close(bns[0].running_mean, before)


@pytest.mark.parametrize('lr_mult', [100, 2000])
def test_proxies_get_their_lr_from_paramwise_cfg(model, lr_mult):
    wrapper = build_optim_wrapper(model, dict(
        optimizer=dict(type='AdamW', lr=1e-4, weight_decay=1e-4),
        paramwise_cfg=dict(custom_keys={'proxies': dict(lr_mult=lr_mult, decay_mult=0)})))
    groups = wrapper.optimizer.param_groups
    prox = [g for g in groups if any(p is model.head.proxies for p in g['params'])]
    assert len(prox) == 1 and len(prox[0]['params']) == 1
    assert prox[0]['lr'] == pytest.approx(1e-4 * lr_mult) and prox[0]['weight_decay'] == 0
    emb_w = model.image_encoder[1].embedding.weight
    other = [g for g in groups if any(p is emb_w for p in g['params'])]
    assert other[0]['lr'] == pytest.approx(1e-4) and other[0]['weight_decay'] == 1e-4
    # one AdamW step moves the proxies lr_mult times further than plain lr would
    p0 = model.head.proxies.detach().clone()
    wrapper.update_params(sum(model(**_batch(model), mode='loss').values()))
    step = (model.head.proxies.detach() - p0).abs().max().item()
    assert step == pytest.approx(1e-4 * lr_mult, rel=1e-2)  # Adam's first step = lr * sign
    with torch.no_grad():
        model.head.proxies.copy_(p0)


def test_losses_compose_by_config():
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    head = MODELS.build(dict(
        type='MetricLearningHead', num_classes=4, embed_dim=8,
        loss=[dict(type='ProxyAnchorLoss', loss_weight=0.0035),
              dict(type='ProxyAnchorLoss', alpha=64, loss_weight=1.0),
              dict(type='PMLLoss', loss='MultiSimilarityLoss', loss_weight=0.5)]))
    emb = torch.nn.functional.normalize(torch.randn(8, 8), dim=1)
    labels = torch.arange(8) % 4
    out = head.loss_by_labels(emb, labels)
    assert list(out) == ['loss_proxy_anchor', 'loss_proxy_anchor_1', 'loss_multi_similarity']
    pa = ProxyAnchorLoss()(emb, labels, head.proxies)
    torch.testing.assert_close(out['loss_proxy_anchor'], 0.0035 * pa)
    torch.testing.assert_close(out['loss_proxy_anchor_1'],
                               ProxyAnchorLoss(alpha=64)(emb, labels, head.proxies))


def test_head_errors_and_proxy_init():
    with pytest.raises(ValueError, match='num_classes'):
        MetricLearningHead(loss=dict(type='ProxyAnchorLoss'))
    torch.manual_seed(0)
    h = MetricLearningHead(loss=dict(type='ProxyAnchorLoss'), num_classes=2000, embed_dim=64,
                           proxy_init='normal', proxy_std=0.125)
    assert h.proxies.std().item() == pytest.approx(0.125, rel=0.02)
    h = MetricLearningHead(loss=dict(type='ProxyAnchorLoss'), num_classes=2000, embed_dim=64)
    # kaiming normal, fan_out = 2000 rows: std sqrt(2 / 2000)
    assert h.proxies.std().item() == pytest.approx((2 / 2000) ** 0.5, rel=0.02)
    no_proxy = MetricLearningHead(loss=dict(type='PMLLoss', loss='ContrastiveLoss'))
    assert no_proxy.proxies is None


def test_inshop_is_query_reaches_the_metric_through_packinputs(tmp_path):
    from cvshared.datasets.retrieval import InShopRetrieval, write_inshop_fixture
    from cvshared.metrics.retrieval import retrieval_scores
    from mmengine.dataset import pseudo_collate
    from mmengine.evaluator import Evaluator
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    root = write_inshop_fixture(str(tmp_path), num_items=6, per_item=3)
    ds = InShopRetrieval(root, split='test', pipeline=[
        dict(type='LoadImageFromFile'), dict(type='PackInputs', algorithm_keys=('is_query', ))])
    model = MODELS.build(dict(type='EmbeddingRetriever', image_encoder=[
        dict(type='ResNet', depth=18, stem_channels=8, base_channels=8, out_indices=(3, )),
        dict(type='EmbeddingNeck', in_channels=64, out_channels=8)])).eval()
    batch = pseudo_collate([ds[i] for i in range(len(ds))])
    with torch.no_grad():
        out = model.test_step(batch)
    ev = Evaluator(dict(type='DMLRetrievalMetric', topk=(1, 2), mode='auto'))
    ev.process(out, batch)
    res = ev.evaluate(len(ds))
    emb = torch.stack([o.embedding for o in out]).numpy()
    flags = [bool(o.is_query) for o in out]
    assert flags == [True, False, False] * 3
    labels = [int(o.gt_label) for o in out]
    want = retrieval_scores(emb, labels, flags, topk=(1, 2))
    assert res['retrieval/Recall@1'] == want['Recall@1']
    # leave-one-out over the same 9 images would be another figure: the mode was used
    assert res['retrieval/MAP@R'] == want['MAP@R'] != retrieval_scores(emb, labels)['MAP@R']
