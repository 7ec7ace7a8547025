"""Golden tensors of the official Proxy Anchor loss (``code/losses.py::Proxy_Anchor``, written by
tests/golden/make_golden.py from a checkout of the official repository; PROVENANCE.md says
which commit and command): four seeded cases (C = 3 .. 20 >= 3, one with an absent class, one
with alpha 16 / delta 0.2), un-normalised embeddings (the loss normalises them), the loss and
its gradients with respect to the embeddings and the proxies.

The loss is the shared ``cvshared.retrieval.ProxyAnchorLoss`` (AntiCo reuses it); this package
certifies it against the official code.
"""
import os.path as osp

import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden', 'proxy_anchor_loss.pt')
# float32: the official code sums exp() directly, ours log-sum-exps; the measured largest
# differences are 2e-7 relative on the loss and 1.5e-6 absolute on gradients of size ~1
# (the official 1e-12 inside the norm's sqrt is below float32 resolution at |x| ~ 3)
LOSS_RTOL, GRAD_ATOL, GRAD_RTOL = 1e-6, 5e-6, 1e-4


def _cases():
    return load_checkpoint_file(GOLDEN)['cases']


@pytest.mark.parametrize('index', range(4))
def test_shared_proxy_anchor_loss_matches_official(index):
    from cvshared.retrieval.losses import ProxyAnchorLoss
    case = _cases()[index]
    loss_fn = ProxyAnchorLoss(alpha=case['alpha'], delta=case['margin'])
    x = case['embeddings'].clone().requires_grad_(True)
    proxies = case['proxies'].clone().requires_grad_(True)
    loss = loss_fn(x, case['labels'], proxies)
    loss.backward()
    torch.testing.assert_close(loss, case['loss'], rtol=LOSS_RTOL, atol=0)
    torch.testing.assert_close(x.grad, case['grad_embeddings'], rtol=GRAD_RTOL, atol=GRAD_ATOL)
    torch.testing.assert_close(proxies.grad, case['grad_proxies'], rtol=GRAD_RTOL,
                               atol=GRAD_ATOL)


def test_goldens_distinguish_the_variants():
    """The files pin what matters: the 1/|P+| averaging (not 1/C) and the margin's sign."""
    from cvshared.retrieval.losses import ProxyAnchorLoss
    case = _cases()[1]                       # class 1 absent: |P+| = 2, C = 3
    x, y, p = case['embeddings'], case['labels'], case['proxies']
    assert abs(float(ProxyAnchorLoss(delta=-0.1)(x, y, p)) - float(case['loss'])) > 0.1
    cos = torch.nn.functional.normalize(x, dim=1) @ torch.nn.functional.normalize(p, dim=1).T
    pos = torch.log1p(torch.where(torch.nn.functional.one_hot(y, 3).bool(),
                                  torch.exp(-32 * (cos - 0.1)), 0).sum(0))
    assert abs(float(pos.sum() / 3 - pos.sum() / 2)) > 0.1   # 1/C would be off


def test_pytorch_metric_learning_agrees_with_the_goldens():
    """The independent oracle of the card: PML's ProxyAnchorLoss with the proxies copied."""
    from pytorch_metric_learning.losses import ProxyAnchorLoss as PMLProxyAnchor
    for case in _cases():
        pml = PMLProxyAnchor(case['num_classes'], case['embeddings'].shape[1],
                             margin=case['margin'], alpha=case['alpha'])
        with torch.no_grad():
            pml.proxies.copy_(case['proxies'])
        x = case['embeddings'].clone().requires_grad_(True)
        loss = pml(x, case['labels'])
        loss.backward()
        torch.testing.assert_close(loss, case['loss'], rtol=LOSS_RTOL, atol=0)
        torch.testing.assert_close(x.grad, case['grad_embeddings'], rtol=GRAD_RTOL,
                                   atol=GRAD_ATOL)


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
               'configs', 'proxyanchor', 'proxyanchor_r50_60e_cub.py')


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
    import proxyanchor  # noqa: F401  (registers)
    from cvshared.engine.launch import drop_pretrained
    from mmcv.transforms import Compose
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS, TRANSFORMS
    from proxyanchor.convert import convert
    cfg = Config.fromfile(CUB)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(drop_pretrained(cfg.model))
        pipeline = Compose([TRANSFORMS.build(t) for t in cfg.test_dataloader.dataset.pipeline])
    missing, unexpected = model.load_state_dict(convert({'model_state_dict': state_dict}),
                                                strict=False)
    assert missing == ['head.proxies'] and unexpected == []   # proxies are not saved officially
    return model.eval(), pipeline


def _embed(model, pipeline, files):
    items = [pipeline(dict(img_path=str(f))) for f in files]
    batch = model.data_preprocessor(dict(inputs=[it['inputs'] for it in items],
                                         data_samples=[it['data_samples'] for it in items]))
    with torch.no_grad():
        return model.embed(batch['inputs'])


def _jpeg_files(g, folder):
    files = []
    for i, data in enumerate(g['jpeg_bytes']):
        path = folder / f'{i}.jpg'
        path.write_bytes(data.numpy().tobytes())
        files.append(path)
    return files


def test_whole_forward_from_jpeg_matches_official(tmp_path):
    """Two real photos (matplotlib's 512 x 600 grace_hopper.jpg as stored, a 301 x 397 crop of
    scikit-learn's china.jpg) -> our CUB test pipeline (LoadImageFromFile, ResizeEdge 256 with
    PIL, CenterCrop 224, ClsDataPreprocessor ImageNet mean / std) -> the official
    ``net/resnet.py::Resnet50`` state dict (seeded weights, every BN with random statistics)
    through ``proxyanchor.convert`` -> unit embedding: equals the official one at atol 1e-5
    (float32 through 53 layers; measured 1.2e-7). The test notices a 1 % weight change, the
    cv2 resize of the shared base pipeline (2.5e-3 off) and the other image."""
    from mmcv.transforms import Compose
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import TRANSFORMS
    g = load_checkpoint_file(WHOLE)
    state = _harness().seeded_state_dict(g['shapes'], g['seed'])
    model, pipeline = _cub_model_and_pipeline(state)
    files = _jpeg_files(g, tmp_path)
    ours = _embed(model, pipeline, files)
    torch.testing.assert_close(ours, g['embed'], rtol=0, atol=1e-5)
    # every part matters: the inputs, the weights, the resize
    assert (g['embed'][0] - g['embed'][1]).abs().max() > 1e-3
    perturbed, _ = _cub_model_and_pipeline({k: v * 1.01 if v.is_floating_point() else v
                                            for k, v in state.items()})
    assert (_embed(perturbed, pipeline, files) - g['embed']).abs().max() > 1e-4
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        cv2_resize = Compose([TRANSFORMS.build(t) for t in (
            dict(type='LoadImageFromFile'), dict(type='ResizeEdge', scale=256, edge='short'),
            dict(type='CenterCrop', crop_size=224), dict(type='PackInputs'))])
    assert (_embed(model, cv2_resize, files) - g['embed']).abs().max() > 1e-3
