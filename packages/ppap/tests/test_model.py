"""PPAPSegmentor: gradients, the decoder copy, dropout, bad configs, the training step with the
official optimisers, the converter and the inferencer."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from PIL import Image

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
SYNTHETIC = osp.join(REPO, 'configs', 'ppap', 'ppap_dino-tiny_synthetic.py')
LOSS = dict(temperature=0.8, phi0=0.25, psi0=0.0, prop_iter=2, sigma_pos=3, sigma_amb=4,
            anchor_split=4, chunk_size=16)   # thresholds for the near-orthogonal features of a
# timm-initialised tiny ViT (similarities: median 0.02, 90 % below 0.35)
TINY = dict(type='DinoViT', arch='vit_small_patch8_224', img_size=32, embed_dim=24, depth=2,
            num_heads=2)


def _model(**kw):
    from ppap.models import PPAPSegmentor
    kw.setdefault('loss_cfg', LOSS)
    torch.manual_seed(0)
    return PPAPSegmentor(backbone=dict(TINY), num_classes=3, **kw)


def _batch(n=2, size=32, seed=0):
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(seed)
    imgs = torch.randn(n, 3, size, size, generator=g)
    samples = []
    for _ in range(n):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, size, size), generator=g))
        samples.append(s)
    return imgs, samples


def test_gradients_reach_the_decoder_and_projection_only():
    model = _model().train()
    imgs, samples = _batch()
    losses = model.loss(imgs, samples)
    assert set(losses) == {'loss_supcon', 'pos_num', 'neg_num', 'loss_linear', 'loss_cluster'}
    losses['loss_supcon'].backward()
    for name, p in model.named_parameters():
        if name.startswith(('decoder.', 'project_head.')):
            assert p.grad is not None and p.grad.abs().sum() > 0, name
        else:   # frozen ViT (no grad at all) and probes (the code reaches them detached)
            assert p.grad is None, name
    assert not any(p.requires_grad for p in model.backbone.parameters())


def test_untrained_decoder_is_a_separate_copy_of_the_last_block():
    model = _model().eval()
    imgs, _ = _batch()
    with torch.no_grad():
        code, z, crit = model.features(imgs)
        assert torch.equal(code, crit)               # copy of the last block, frozen norm
        assert z.shape == (2 * 16, 24)
        torch.testing.assert_close(z.norm(dim=1), torch.ones(32))
        model.decoder.mlp.fc2.weight.add_(torch.randn_like(model.decoder.mlp.fc2.weight))
        code2, _, crit2 = model.features(imgs)     # training the copy leaves the ViT alone
    assert torch.equal(crit2, crit) and (code2 - code).abs().max() > 0.1


def test_pretrained_weights_load_before_the_decoder_copy(tmp_path):
    from cvshared.useg.dino import DinoViT
    torch.manual_seed(3)
    src = DinoViT(**{k: v for k, v in TINY.items() if k != 'type'})
    with torch.no_grad():
        for p in src.vit.parameters():
            p.normal_(0, 0.3)
    path = tmp_path / 'dino.pth'
    torch.save({'backbone.' + k: v for k, v in src.vit.state_dict().items()}, path)
    model = _model(pretrained=str(path))
    last = src.vit.blocks[-1].state_dict()
    for k, v in model.decoder.state_dict().items():
        assert torch.equal(v, last[k]), k
    torch.save({'backbone.' + k: v[..., :1] for k, v in src.vit.state_dict().items()}, path)
    with pytest.raises(ValueError, match='shapes differ'):
        _model(pretrained=str(path))


def test_dropout_acts_on_crit_feat_in_training_only():
    model = _model(dropout=0.5, anchor_seed=0)
    imgs, _ = _batch()
    seen = {}

    def spy(z, feat, **kw):
        seen['feat'] = feat
        return z.sum() * 0, z.new_zeros(()), z.new_zeros(())

    import ppap.models.ppap as mod
    saved = mod.ppap_loss
    mod.ppap_loss = spy
    try:
        model.train()
        _, code = model.head_loss(imgs, None)
        dropped = seen['feat']
        model.eval()
        _, code_eval = model.head_loss(imgs, None)
        kept = seen['feat']
    finally:
        mod.ppap_loss = saved
    zero = (dropped == 0).all(-1).all(-1)            # whole channels (Dropout2d)
    assert 0.3 < float(zero.float().mean()) < 0.7
    torch.testing.assert_close(dropped[~zero], 2 * kept[~zero])
    assert torch.equal(code, code_eval)              # the code the probes read: no dropout
    assert not (kept == 0).all(-1).all(-1).any()


def test_anchor_seed_makes_the_loss_reproducible():
    imgs, _ = _batch()
    a = _model(anchor_seed=5).eval().head_loss(imgs, None)[0]['loss_supcon']
    b = _model(anchor_seed=5).eval().head_loss(imgs, None)[0]['loss_supcon']
    c = _model(anchor_seed=6).eval().head_loss(imgs, None)[0]['loss_supcon']
    assert float(a) == float(b) and abs(float(a) - float(c)) > 1e-4


def test_bad_configs_say_what_to_change():
    with pytest.raises(ValueError, match=r"unknown loss_cfg keys \['tau'\].*use \['temperature'"):
        _model(loss_cfg=dict({k: v for k, v in LOSS.items() if k != 'temperature'}, tau=0.8))
    with pytest.raises(ValueError, match=r"lacks \['sigma_amb'\]"):
        _model(loss_cfg={k: v for k, v in LOSS.items() if k != 'sigma_amb'})
    with pytest.raises(ValueError, match='dropout'):
        _model(dropout=1.0)
    from ppap.models import PPAPSegmentor
    with pytest.raises(TypeError, match='must be a DinoViT'):
        PPAPSegmentor(backbone=torch.nn.Conv2d(3, 4, 1), num_classes=3, loss_cfg=LOSS)
    model = _model(loss_cfg=dict(LOSS, chunk_size=24))
    with pytest.raises(ValueError, match='32 patches .*chunks of 24.*chunk_size'):
        model.head_loss(_batch()[0], None)


def _synthetic_model():
    import ppap  # noqa: F401
    cfg = Config.fromfile(SYNTHETIC)
    from ppap.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmseg'):
        torch.manual_seed(0)
        return MODELS.build(cfg.model), cfg


def test_train_step_uses_the_official_optimisers():
    """One step of the synthetic config's OptimWrapperDict equals a plain loop written as the
    official run.py: one backward of the sum, the net (decoder + projection) clipped to 10 and
    stepped by AdamW, each probe by its Adam."""
    from mmengine.optim import build_optim_wrapper
    model, cfg = _synthetic_model()
    model.train()
    ref = copy.deepcopy(model)
    wrappers = build_optim_wrapper(model, cfg.optim_wrapper)
    assert set(wrappers.keys()) == {'net', 'linear', 'cluster'}
    imgs, samples = _batch(n=2, size=64, seed=1)
    for s in samples:
        s.gt_sem_seg.data.clamp_(max=3)
    data = dict(inputs=[(i * 40 + 120).clamp(0, 255) for i in imgs], data_samples=samples)
    model.anchor_seed = ref.anchor_seed = 3
    torch.manual_seed(0)
    model.train_step(copy.deepcopy(data), wrappers)

    net = torch.optim.AdamW(list(ref.decoder.parameters()) + list(ref.project_head.parameters()),
                            lr=1e-3, weight_decay=0.01)
    lin = torch.optim.Adam(ref.linear_probe.parameters(), lr=1e-3)
    clu = torch.optim.Adam(ref.cluster_probe.parameters(), lr=0.2)
    torch.manual_seed(0)
    d = ref.data_preprocessor(copy.deepcopy(data), True)
    losses = ref.loss(d['inputs'], d['data_samples'])
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    torch.nn.utils.clip_grad_norm_(list(ref.decoder.parameters())
                                   + list(ref.project_head.parameters()), 10.0)
    for o in (net, lin, clu):
        o.step()
    moved = 0
    for (n, p), (_, q) in zip(model.named_parameters(), ref.named_parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=1e-6, msg=n)
    for (n, p), (_, q) in zip(model.named_parameters(), _synthetic_model()[0].named_parameters()):
        moved += n.startswith(('decoder', 'project_head', 'linear', 'cluster')) \
            and bool((p - q).abs().max() > 1e-5)
    assert moved >= 4


def test_convert_round_trip_with_the_official_key_names():
    from cvshared.checkpoint import load_checkpoint_file
    from ppap.convert import convert, to_official
    golden = load_checkpoint_file(osp.join(osp.dirname(__file__), 'golden', 'forward.pt'))
    keys = golden['official_keys']
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'ppap_test_golden', osp.join(osp.dirname(__file__), 'test_golden.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    golden_model = module.golden_model
    model = golden_model()
    official = to_official(model.state_dict())
    for part, names in (('net_model_state_dict', 'net_model'),
                        ('linear_model_state_dict', 'linear_model'),
                        ('cluster_model_state_dict', 'cluster_model')):
        assert sorted(official[part]) == keys[names], part
    checkpoint = dict(official, epoch=4, iter=10, best=1.0)
    checkpoint['net_model_state_dict'] = {'module.' + k: v for k, v in
                                          official['net_model_state_dict'].items()}
    fresh = golden_model()
    with torch.no_grad():
        for p in fresh.parameters():
            p.zero_()
    fresh.load_state_dict(convert(checkpoint), strict=True)
    for (n, p), (_, q) in zip(fresh.state_dict().items(), model.state_dict().items()):
        assert torch.equal(p, q), n
    with pytest.raises(KeyError, match="no \\['cluster_model_state_dict'\\]"):
        convert({k: v for k, v in checkpoint.items() if k != 'cluster_model_state_dict'})
    bad = dict(checkpoint, net_model_state_dict={'head.weight': torch.zeros(1)})
    with pytest.raises(KeyError, match='net_model_state_dict: head.weight'):
        convert(bad)


def test_inferencer_loads_the_checkpoint_and_writes_maps(tmp_path):
    from ppap.infer import INFERENCER
    model, _ = _synthetic_model()
    with torch.no_grad():
        for p in model.cluster_probe.parameters():
            p.normal_()
    model.eval()
    rng = np.random.default_rng(0)
    image = (rng.uniform(0, 255, (70, 90, 3))).astype(np.uint8)
    path = tmp_path / 'user.png'
    Image.fromarray(image).save(path)
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'model.pth')
    payload = INFERENCER(SYNTHETIC, str(tmp_path / 'model.pth'))([str(path)],
                                                                  out_dir=str(tmp_path / 'o'))
    result = payload['results'][0]
    assert result['size'] == [64, 64]
    clusters = np.asarray(Image.open(tmp_path / 'o' / 'user_clusters.png'))
    # the same crop through our model: shorter side 64 (PIL nearest), centre crop 64
    from cvshared.datasets.useg import useg_eval_pipeline
    from mmengine.dataset import Compose
    with DefaultScope.overwrite_default_scope('mmseg'):
        item = Compose(useg_eval_pipeline(64, with_label=False))(dict(
            img_path=str(path), seg_map_path=None, img_id='u', seg_fields=[],
            label_mapping=None))
        d = model.data_preprocessor(dict(inputs=[item['inputs']],
                                         data_samples=[item['data_samples']]), False)
        cluster, _ = model.predict_maps(d['inputs'], (64, 64))
    assert np.array_equal(clusters, cluster[0].numpy())      # the checkpoint's weights
    assert len(np.unique(clusters)) > 1
    assert sum(result['cluster_pixels'].values()) == 64 * 64
    drawing = np.asarray(Image.open(tmp_path / 'o' / 'user.png'))
    assert drawing.shape[1] >= 3 * 64


@pytest.mark.parametrize('run', ['cocostuff27_vits16', 'cityscapes27', 'potsdam3'])
def test_missing_data_shows_the_expected_tree(tmp_path, run):
    from ppap.paper import SPEC
    with pytest.raises(FileNotFoundError) as err:
        SPEC.check_data(str(tmp_path / 'none'), run)
    text = str(err.value)
    assert str(tmp_path / 'none') in text
    assert {'cocostuff27_vits16': 'curated', 'cityscapes27': 'leftImg8bit',
            'potsdam3': 'labelled_'}[run] in text


def test_synthetic_tree_passes_the_check_but_a_paper_run_needs_the_crops(tmp_path):
    from cvshared.datasets.useg import CroppedUSegDataset
    from ppap.paper import SPEC, make_synthetic
    root = make_synthetic(str(tmp_path), num_train=2, num_val=1)
    SPEC.check_data(root, 'synthetic')
    with pytest.raises(FileNotFoundError, match='useg_five_crop'):
        CroppedUSegDataset(data_root=root, dataset_name='cocostuff27', split='train',
                           lazy_init=False)
