"""Regenerate the STTS golden tensors from a checkout of the official code (our harness only).

Usage::

    python packages/stts/tests/golden/make_golden.py /path/to/STTS [--out DIR]

``/path/to/STTS`` is a checkout of https://github.com/wangjk666/STTS at the commit recorded in
``PROVENANCE.md`` (MIT licence). The official modules are imported from there through
``sys.path`` / module stubs; nothing of the official code is copied here. What is patched at run
time (never in the files):

* ``torch.Tensor.cuda`` is the identity while ``PatchNet('spatch')`` is constructed (its
  constructor puts an unused identity tensor on the GPU).
* The mmaction 0.x imports of ``VideoSwin/.../swin_transformer.py`` and ``heads/i3d_head.py``
  (``get_root_logger``, ``load_checkpoint``, the ``BACKBONES`` / ``HEADS`` registries,
  ``build_loss``, ``top_k_accuracy``, ``mmcv.cnn.normal_init``) are stub modules in
  ``sys.modules``: none of them runs in a forward pass.
* PySlowFast MViT: the packages ``slowfast``, ``slowfast.models``, ``slowfast.utils`` are
  namespace stubs pointing at the official folders (their ``__init__`` files, which import the
  whole model zoo, are skipped); ``detectron2.layers.ROIAlign`` (detection heads only) and
  ``simplejson`` (logging only; the standard ``json`` stands in) are stubs.

Files written (see PROVENANCE.md for what each holds and which test reads it):
``selector_temporal.pt``, ``selector_spatial.pt``, ``official_swin_tiny.pt``,
``official_mvit_small.pt``, ``official_swin_raw.pt``, ``official_mvit_raw.pt``.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
import types
from pathlib import Path

import torch
from cvshared.harness import cuda_calls_on_cpu
from stts.testing import fill, sharp_scale  # the weight rules the tests share

HERE = Path(__file__).resolve().parent


# ----------------------------------------------------------------------------------------------
# Deterministic weights: stts.testing (fill, sharp_scale)
# ----------------------------------------------------------------------------------------------
def shapes_of(module: torch.nn.Module) -> dict:
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def _pkg(name: str, path: Path | None = None, **attrs) -> types.ModuleType:
    mod = types.ModuleType(name)
    if path is not None:
        mod.__path__ = [str(path)]
    for k, v in attrs.items():
        setattr(mod, k, v)
    sys.modules[name] = mod
    return mod


class _Registry:

    def register_module(self, *args, **kwargs):
        if args and callable(args[0]):
            return args[0]
        return lambda cls: cls


# ----------------------------------------------------------------------------------------------
# Official modules
# ----------------------------------------------------------------------------------------------
def load_videoswin(checkout: Path):
    """Official VideoSwin ``topk``, ``swin_transformer`` and ``I3DHead`` modules."""
    root = checkout / 'VideoSwin' / 'mmaction'
    for name in [n for n in sys.modules if n == 'mmaction' or n.startswith('mmaction.')]:
        del sys.modules[name]
    _pkg('mmaction', root)
    _pkg('mmaction.utils', get_root_logger=lambda *a, **k: None)
    _pkg('mmaction.core', top_k_accuracy=None)
    _pkg('mmaction.models', root / 'models')
    _pkg('mmaction.models.builder', BACKBONES=_Registry(), HEADS=_Registry(),
         build_loss=lambda cfg: None)
    _pkg('mmaction.models.backbones', root / 'models' / 'backbones')
    _pkg('mmaction.models.backbones.checkpoint', load_checkpoint=None)
    _pkg('mmaction.models.heads', root / 'models' / 'heads')
    import mmcv  # noqa: F401  (real package; only its cnn submodule is stubbed)
    sys.modules['mmcv.cnn'] = types.ModuleType('mmcv.cnn')
    sys.modules['mmcv.cnn'].normal_init = lambda *a, **k: None
    topk = importlib.import_module('mmaction.models.backbones.topk')
    swin = importlib.import_module('mmaction.models.backbones.swin_transformer')
    head = importlib.import_module('mmaction.models.heads.i3d_head')
    return topk, swin, head


def load_mvit(checkout: Path):
    """Official PySlowFast ``topk``, ``mvit`` modules and ``get_cfg``."""
    root = checkout / 'MViT' / 'slowfast'
    for name in [n for n in sys.modules if n == 'slowfast' or n.startswith('slowfast.')]:
        del sys.modules[name]
    _pkg('slowfast', root)
    _pkg('slowfast.models', root / 'models')
    _pkg('slowfast.utils', root / 'utils')
    _pkg('detectron2')
    _pkg('detectron2.layers', ROIAlign=None)
    sys.modules.setdefault('simplejson', json)
    topk = importlib.import_module('slowfast.models.topk')
    mvit = importlib.import_module('slowfast.models.mvit')
    defaults = importlib.import_module('slowfast.config.defaults')
    return topk, mvit, defaults.get_cfg


def mvit_cfg(checkout: Path, get_cfg, num_classes: int, spatial: int, sigma: float,
             space_ratio: float):
    """t0_0.6_s4_0.9.yaml reduced to 6 blocks of 16 channels (strides at blocks 1, 3, 5)."""
    cfg = get_cfg()
    cfg.merge_from_file(str(checkout / 'MViT' / 'configs' / 'Kinetics' / 't0_0.6_s4_0.9.yaml'))
    cfg.MVIT.DEPTH = 6
    cfg.MVIT.EMBED_DIM = 16
    cfg.MVIT.DIM_MUL = [[1, 2.0], [3, 2.0], [5, 2.0]]
    cfg.MVIT.HEAD_MUL = [[1, 2.0], [3, 2.0], [5, 2.0]]
    cfg.MVIT.POOL_Q_STRIDE = [[1, 1, 2, 2], [3, 1, 2, 2], [5, 1, 2, 2]]
    cfg.MVIT.DROPPATH_RATE = 0.0
    cfg.MVIT.SIGMA = sigma
    cfg.MVIT.SPACE_LEFT_RATIO = [space_ratio]
    cfg.MODEL.NUM_CLASSES = num_classes
    cfg.MODEL.DROPOUT_RATE = 0.0
    cfg.DATA.TRAIN_CROP_SIZE = cfg.DATA.TEST_CROP_SIZE = spatial
    cfg.NUM_GPUS = 0
    return cfg


# ----------------------------------------------------------------------------------------------
# Golden files
# ----------------------------------------------------------------------------------------------
def make_selector(topk, name: str) -> dict:
    """Official ``PatchNet`` (MViT copy) forward / backward on random tokens."""
    if name == 'temporal':
        score, B, T, H, C, k, seed = 'tpool', 2, 8, 4, 16, 5, 0
    else:
        score, B, T, H, C, k, seed = 'spatch', 2, 3, 6, 16, 25, 1
    torch.manual_seed(100)
    with cuda_calls_on_cpu():
        net = topk.PatchNet(score=score, k=k, in_channels=C, num_samples=500)
    with torch.no_grad():
        for p in net.parameters():
            if p.dim() > 1:
                p.normal_(0, 0.3)
            else:
                p.uniform_(-0.2, 0.2)
    gen = torch.Generator().manual_seed(1000 + seed)
    x = torch.randn(B, T * H * H, C, generator=gen)
    kind = 'time' if name == 'temporal' else 'space'
    net.eval()
    with torch.no_grad():
        out_eval = net(x, kind, H * H, T, 0.1)
    net.train()
    xr = x.clone().requires_grad_(True)
    torch.manual_seed(seed)
    out_train = net(xr, kind, H * H, T, 0.1)
    g = torch.randn(out_train.shape, generator=gen)
    out_train.backward(g)
    return dict(state_dict={k_: v.detach().clone() for k_, v in net.state_dict().items()},
                x=x, B=B, T=T, H=H, C=C, k=k, sigma=0.1, seed=seed, num_samples=500,
                out_eval=out_eval, out_train=out_train.detach(), g=g, grad_x=xr.grad,
                grad_params={n: p.grad.clone() for n, p in net.named_parameters()})


SWIN_CFG = dict(patch_size=(2, 4, 4), embed_dim=16, depths=[2, 2], num_heads=[1, 2],
                window_size=(4, 4, 4), patch_norm=True, drop_path_rate=0.0, num_frames=16,
                image_size=32, time_pruning_loc=[0], time_left_ratio=[0.5], time_score='tpool',
                sigma=0.1)


def build_official_swin(swin, cfg):
    with cuda_calls_on_cpu():
        return swin.SwinTransformer3D(pretrained=None, pretrained2d=False, **cfg)


def make_swin_tiny(swin) -> dict:
    """Legacy backbone golden: official VideoSwin STTS backbone, weights by ``fill`` (0.1)."""
    net = build_official_swin(swin, SWIN_CFG)
    keys = shapes_of(net)
    state = net.state_dict()
    state.update(fill(keys))
    net.load_state_dict(state)
    x = torch.randn(2, 3, 16, 32, 32, generator=torch.Generator().manual_seed(0)) * 50
    net.eval()
    with torch.no_grad():
        out_eval = net(x)
    net.train()
    torch.manual_seed(3)
    with torch.no_grad():
        out_train = net(x)
    return dict(cfg=dict(SWIN_CFG), keys=keys, out_eval=out_eval, out_train=out_train, seed=3)


# official VideoSwin img_norm_cfg (configs/Kinetics/t0_*.py): RGB, no channel swap
SWIN_MEAN, SWIN_STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]


def _kept_margin(scores: torch.Tensor, k: int) -> float:
    """Gap between the k-th and (k+1)-th largest score (min over rows)."""
    s = scores.sort(dim=-1, descending=True).values
    return (s[:, k - 1] - s[:, k]).min().item()


def make_swin_raw(swin, head_mod, num_classes: int = 7) -> dict:
    """Whole VideoSwin STTS forward from a raw uint8 clip to class probabilities.

    Official pipeline pieces: ``Normalize(img_norm_cfg)`` (``(x - mean) / std`` per RGB
    channel), ``SwinTransformer3D`` (T^0_0.5), ``I3DHead`` (avg pool + fc), and the test
    ``average_clip='prob'`` (softmax, mean over the clips of a video).
    """
    net = build_official_swin(swin, SWIN_CFG)
    head = head_mod.I3DHead(num_classes=num_classes, in_channels=32, spatial_type='avg',
                            dropout_ratio=0.0)
    keys = {**{'backbone.' + k: v for k, v in shapes_of(net).items()},
            **{'cls_head.' + k: tuple(v.shape) for k, v in head.state_dict().items()}}
    weights = fill(keys, sharp_scale)
    state = net.state_dict()
    state.update({k[len('backbone.'):]: v for k, v in weights.items()
                  if k.startswith('backbone.')})
    net.load_state_dict(state)
    head.load_state_dict({k[len('cls_head.'):]: v for k, v in weights.items()
                          if k.startswith('cls_head.')})
    B, clips = 2, 2
    raw = torch.randint(0, 256, (B, clips, 3, 16, 32, 32), dtype=torch.uint8,
                        generator=torch.Generator().manual_seed(11))
    mean = torch.tensor(SWIN_MEAN).view(1, 1, 3, 1, 1, 1)
    std = torch.tensor(SWIN_STD).view(1, 1, 3, 1, 1, 1)
    imgs = ((raw.float() - mean) / std).reshape(B * clips, 3, 16, 32, 32)
    net.eval()
    head.eval()
    scores_seen = []
    pn = net.time_score_predictor[0]
    h = pn.score_network.register_forward_hook(lambda m, i, o: scores_seen.append(o.detach()))
    with torch.no_grad():
        logits = head(net(imgs))
    h.remove()
    probs = logits.softmax(-1).view(B, clips, -1).mean(1)
    k = net.time_score_predictor[0].k
    tscores = scores_seen[0].squeeze(-1)
    return dict(cfg=dict(SWIN_CFG), num_classes=num_classes, mean=SWIN_MEAN, std=SWIN_STD,
                keys=keys, raw=raw, logits=logits, probs=probs,
                kept_margin=_kept_margin(tscores, k))


def build_official_mvit(mvit, cfg):
    with cuda_calls_on_cpu():
        return mvit.MViT(cfg)


def make_mvit_small(checkout, mvit, get_cfg) -> dict:
    """Legacy golden: reduced official STTS MViT v1 (6 blocks, T^0 + S^4), ``fill`` (0.1)."""
    cfg = mvit_cfg(checkout, get_cfg, num_classes=5, spatial=64, sigma=0.1, space_ratio=0.75)
    net = build_official_mvit(mvit, cfg)
    keys = shapes_of(net)
    net.load_state_dict(fill(keys))
    x = torch.randn(2, 3, 16, 64, 64, generator=torch.Generator().manual_seed(0))
    net.eval()
    with torch.no_grad():
        out_eval = net([x])
    net.train()
    torch.manual_seed(3)
    with torch.no_grad():
        out_train = net([x])
    return dict(keys=keys, out_eval=out_eval, out_train=out_train, seed=3,
                arch=dict(embed_dims=16, num_layers=6, num_heads=1, downscale_indices=[1, 3, 5]),
                spatial_size=64, temporal_size=16, time_left_ratio=[0.625],
                space_left_ratio=[0.75], num_classes=5, sigma=0.1)


# PySlowFast DATA.MEAN / DATA.STD (frames / 255 first): x / 255 - 0.45) / 0.225
MVIT_MEAN, MVIT_STD = [0.45] * 3, [0.225] * 3


def make_mvit_raw(checkout, mvit, get_cfg, num_classes: int = 7) -> dict:
    """Whole STTS MViT v1 forward from a raw uint8 clip: ``tensor_normalize`` (``x / 255``,
    ``(x - MEAN) / STD``), the model with T^0 and S^4 selection, its head (softmax in eval)."""
    cfg = mvit_cfg(checkout, get_cfg, num_classes=num_classes, spatial=64, sigma=0.1,
                   space_ratio=0.75)
    net = build_official_mvit(mvit, cfg)
    keys = shapes_of(net)
    net.load_state_dict(fill(keys, sharp_scale))
    raw = torch.randint(0, 256, (2, 3, 16, 64, 64), dtype=torch.uint8,
                        generator=torch.Generator().manual_seed(12))
    mean = torch.tensor(MVIT_MEAN).view(1, 3, 1, 1, 1)
    std = torch.tensor(MVIT_STD).view(1, 3, 1, 1, 1)
    x = (raw.float() / 255.0 - mean) / std
    seen = {}
    hooks = [net.time_score_predictor[0].score_network.register_forward_hook(
        lambda m, i, o: seen.__setitem__('t', o.detach())),
        net.space_score_predictor[0].score_network.register_forward_hook(
        lambda m, i, o: seen.__setitem__('s', o.detach()))]
    net.eval()
    with torch.no_grad():
        probs = net([x])
    for h in hooks:
        h.remove()
    return dict(num_classes=num_classes, keys=keys, raw=raw, mean=MVIT_MEAN,
                std=MVIT_STD, probs=probs,
                arch=dict(embed_dims=16, num_layers=6, num_heads=1, downscale_indices=[1, 3, 5]),
                spatial_size=64, temporal_size=16, time_left_ratio=[0.625],
                space_left_ratio=[0.75], sigma=0.1,
                kept_margin=_kept_margin(seen['t'].squeeze(-1), net.time_score_predictor[0].k))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', type=Path, help='checkout of wangjk666/STTS')
    parser.add_argument('--out', type=Path, default=HERE, help='output folder (default: here)')
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)

    def save(name, obj):
        torch.save(obj, args.out / name)
        print('wrote', args.out / name)

    topk_m, mvit, get_cfg = load_mvit(args.checkout)
    save('selector_temporal.pt', make_selector(topk_m, 'temporal'))
    save('selector_spatial.pt', make_selector(topk_m, 'spatial'))
    save('official_mvit_small.pt', make_mvit_small(args.checkout, mvit, get_cfg))
    raw = make_mvit_raw(args.checkout, mvit, get_cfg)
    print('mvit raw: kept-score margin', raw['kept_margin'])
    save('official_mvit_raw.pt', raw)
    _, swin, head = load_videoswin(args.checkout)
    save('official_swin_tiny.pt', make_swin_tiny(swin))
    raw = make_swin_raw(swin, head)
    print('swin raw: kept-score margin', raw['kept_margin'])
    save('official_swin_raw.pt', raw)


if __name__ == '__main__':
    main()
