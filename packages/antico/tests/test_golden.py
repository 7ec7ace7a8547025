"""Golden tensors of the official AntiCo criterion (``criteria/antico.py::Criterion``, written by
tests/golden/make_golden.py from a checkout of the official repository; PROVENANCE.md says
which commit and command).

Each case holds seeded L2-normalised embeddings, labels (2 samples per class, as the official
sampler draws them), proxies, and the official outputs in float32: the three coding-rate terms,
exp(-R) of the mode, the PA alignment term, the total loss ``w_align * L_PA + w_ac * L_AC`` and
its gradients with respect to the embeddings and the proxies.
"""
import os.path as osp

import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden', 'antico_criterion.pt')
# float32 log det of a <= 24 x 24 SPD matrix and sums of <= 24 exp terms: the measured largest
# relative difference is ~1e-6; 1e-5 leaves a margin of 10 and is far below any change of a
# factor (a swapped scale moves R by > 10 %, see test_losses.py)
RTOL, ATOL = 1e-5, 1e-7


def _cases():
    return load_checkpoint_file(GOLDEN)['cases']


@pytest.mark.parametrize('index', range(4))
def test_coding_rates_and_anti_collapse_term_match_official(index):
    from antico.models.losses import AntiCoLoss
    case = _cases()[index]
    x, y, proxies = case['embeddings'], case['labels'], case['proxies']
    pair = AntiCoLoss(mode='pair').coding_rate(x, y)
    # the official code codes all proxies in 'pair' mode too (its logged proxy rate)
    mode_proxies = 'batch_proxy' if case['mode'] == 'batch_proxy' else 'all_proxy'
    gram = AntiCoLoss(mode=mode_proxies).coding_rate(x, y, proxies)
    standard = AntiCoLoss(mode=mode_proxies, scale='standard').coding_rate(x, y, proxies)
    torch.testing.assert_close(pair, case['rate_pair'], rtol=RTOL, atol=ATOL)
    torch.testing.assert_close(gram, case['rate_proxy_gram'], rtol=RTOL, atol=ATOL)
    torch.testing.assert_close(standard, case['rate_proxy_standard'], rtol=RTOL, atol=ATOL)
    ours = AntiCoLoss(mode=case['mode'])(x, y, proxies)
    torch.testing.assert_close(ours, case['anti_collapse'], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize('index', range(4))
def test_total_loss_and_gradients_match_official(index):
    """The official total ``0.0035 * L_PA(alpha 64, delta 0.1) + 1 * exp(-R)`` = the shared
    ``ProxyAnchorLoss`` plus our ``AntiCoLoss``, the composition the configs build."""
    from antico.models.losses import AntiCoLoss
    from cvshared.retrieval.losses import ProxyAnchorLoss
    case = _cases()[index]
    opts = case['options']
    align = ProxyAnchorLoss(alpha=opts['loss_oproxy_pos_alpha'],
                            delta=opts['loss_oproxy_pos_delta'],
                            loss_weight=opts['loss_ac_w_align'])
    anti = AntiCoLoss(mode=case['mode'], eps=opts['antico_eps'], gamma1=opts['antico_gam1'],
                      gamma2=opts['antico_gam2'], loss_weight=opts['antico_w'])
    x = case['embeddings'].clone().requires_grad_(True)
    proxies = case['proxies'].clone().requires_grad_(True)
    total = align(x, case['labels'], proxies) + anti(x, case['labels'], proxies)
    total.backward()
    torch.testing.assert_close(align(x, case['labels'], proxies) / opts['loss_ac_w_align'],
                               case['align'], rtol=RTOL, atol=1e-5)
    torch.testing.assert_close(total, case['loss'], rtol=RTOL, atol=ATOL)
    torch.testing.assert_close(x.grad, case['grad_embeddings'], rtol=1e-4, atol=1e-7)
    torch.testing.assert_close(proxies.grad, case['grad_proxies'], rtol=1e-4, atol=1e-7)


def test_harness_refuses_a_folder_that_is_not_a_checkout(tmp_path, capsys):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'make_golden', osp.join(osp.dirname(GOLDEN), 'make_golden.py'))
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    with pytest.raises(SystemExit):
        harness.main([str(tmp_path / 'no_checkout')])
    assert 'no_checkout' in capsys.readouterr().err


# --- the whole forward: JPEG file -> our CUB test pipeline -> converted official ResNet-50 ---
WHOLE = osp.join(osp.dirname(GOLDEN), 'whole_forward.pt')
CUB = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))),
               'configs', 'antico', 'antico_r50_100e_cub.py')


def _harness():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'make_golden', osp.join(osp.dirname(GOLDEN), 'make_golden.py'))
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    return harness


def _cub_model_and_pipeline(state_dict):
    """Our CUB config's model (pretrained path dropped) with the converted official weights,
    and its test pipeline, exactly as the config builds them."""
    import antico  # noqa: F401  (registers)
    from antico.convert import convert
    from cvshared.engine.launch import drop_pretrained
    from mmcv.transforms import Compose
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS, TRANSFORMS
    cfg = Config.fromfile(CUB)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(drop_pretrained(cfg.model))
        pipeline = Compose([TRANSFORMS.build(t) for t in cfg.test_dataloader.dataset.pipeline])
    missing, unexpected = model.load_state_dict(convert(state_dict), strict=False)
    assert missing == ['head.proxies'] and unexpected == []   # proxies live in the criterion
    return model.eval(), pipeline


def _embed(model, pipeline, files):
    items = [pipeline(dict(img_path=str(f))) for f in files]
    batch = model.data_preprocessor(dict(inputs=[it['inputs'] for it in items],
                                         data_samples=[it['data_samples'] for it in items]))
    with torch.no_grad():
        return model.embed(batch['inputs'])


def test_whole_forward_from_jpeg_matches_official(tmp_path):
    """Two real photos (matplotlib's 512 x 600 grace_hopper.jpg as stored, a 333 x 275 crop of
    scikit-image's rocket.jpg) -> our CUB test pipeline (LoadImageFromFile, ResizeEdge 256 with
    PIL, CenterCrop 224, ClsDataPreprocessor ImageNet mean / std) -> the official
    ``architectures/resnet50.py::Network`` (``resnet50_frozen_normalize_double``, seeded
    weights, every BN with random statistics) through ``antico.convert`` -> unit embedding:
    equals the official one at atol 1e-5 (float32 through 53 layers). The test notices a 1 %
    weight change, the cv2 resize of the shared base pipeline and the other image."""
    from mmcv.transforms import Compose
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import TRANSFORMS
    g = load_checkpoint_file(WHOLE)
    state = _harness().seeded_state_dict(g['shapes'], g['seed'])
    # the official state_dict() also holds every residual stage as layer_blocks.<i> (aliases)
    official = {k: state[k] if k in state else state[
        f"model.layer{int(k.split('.')[1]) + 1}.{k.split('.', 2)[2]}"]
        for k in g['state_dict_keys']}
    assert len(official) > len(state)
    model, pipeline = _cub_model_and_pipeline(official)
    files = []
    for i, data in enumerate(g['jpeg_bytes']):
        files.append(tmp_path / f'{i}.jpg')
        files[-1].write_bytes(data.numpy().tobytes())
    ours = _embed(model, pipeline, files)
    torch.testing.assert_close(ours, g['embed'], rtol=0, atol=1e-5)
    assert (g['embed'][0] - g['embed'][1]).abs().max() > 1e-3
    perturbed, _ = _cub_model_and_pipeline({k: v * 1.01 if v.is_floating_point() else v
                                            for k, v in state.items()})
    assert (_embed(perturbed, pipeline, files) - g['embed']).abs().max() > 1e-4
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        cv2_resize = Compose([TRANSFORMS.build(t) for t in (
            dict(type='LoadImageFromFile'), dict(type='ResizeEdge', scale=256, edge='short'),
            dict(type='CenterCrop', crop_size=224), dict(type='PackInputs'))])
    assert (_embed(model, cv2_resize, files) - g['embed']).abs().max() > 1e-3
