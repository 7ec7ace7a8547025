"""Regenerate HFAN's golden tensors from a checkout of the official code.

Usage::

    python packages/hfan/tests/golden/make_golden.py /path/to/HFAN [--out DIR]

``/path/to/HFAN`` is a checkout of https://github.com/NUST-Machine-Intelligence-Laboratory/HFAN
at the commit recorded in ``PROVENANCE.md``. This file is our harness only: it contains no
official code. It imports the official modules from the checkout (``hfan_vos.py``,
``self_attention_block.py``, ``mix_transformer.py``, ``ops/wrappers.py``,
``utils/multiple_files.py``, ``pipelines/transforms.py``,
``pipelines/transforms_multiple_images.py``) under a stand-in ``mmseg`` package tree, so that
neither the official mmseg 0.x package ``__init__`` files nor the installed mmseg 1.x are
involved, and patches at run time (never in files) what mmcv 2 / mmengine no longer provide:

* ``mmcv.runner`` (``Sequential`` -> ``mmengine.model.Sequential``, ``load_checkpoint`` ->
  no-op, nothing is pretrained);
* ``mmcv.cnn.kaiming_init`` / ``constant_init`` -> mmengine's;
* ``mmcv.utils.deprecated_api_warning`` / ``is_tuple_of`` -> mmengine's;
* ``mmcv.parallel.data_container.DataContainer`` -> a placeholder class (imported, unused);
* the registries ``mmseg.models.builder`` / ``mmseg.datasets.builder`` -> plain dicts;
* ``BaseDecodeHead`` (mmcv 1.x runner decorators) -> a stand-in with what ``HFANVOS_Head``
  uses: ``in_channels``, ``in_index``, ``num_classes``, ``_transform_inputs``
  ('multiple_select'), ``dropout = Dropout2d(dropout_ratio)`` and ``conv_seg``.

Everything runs on CPU, one thread, in ``eval()`` mode; the head's hard-coded SyncBN runs as a
plain batch norm in eval mode.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import os.path as osp
import subprocess
import sys
import types

import numpy as np
import torch
import torch.nn as nn

HERE = osp.dirname(osp.abspath(__file__))
EXPECTED_COMMIT = 'd29d63e73fe4ee064c7af76592e66bc184353a36'


# --------------------------------------------------------------------------- import shims
def _package(name: str, path: str | None = None) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__path__ = [path] if path else []
    sys.modules[name] = mod
    parent, _, child = name.rpartition('.')
    if parent:
        setattr(sys.modules[parent], child, mod)
    return mod


def _module(name: str, **attrs) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    sys.modules[name] = mod
    parent, _, child = name.rpartition('.')
    if parent in sys.modules:
        setattr(sys.modules[parent], child, mod)
    return mod


def _load(name: str, path: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    parent, _, child = name.rpartition('.')
    setattr(sys.modules[parent], child, mod)
    return mod


class _Registry(dict):
    def register_module(self, name=None, force=False, module=None):
        def deco(cls):
            self[name or cls.__name__] = cls
            return cls
        return deco(module) if module is not None else deco


def _build(registry, cfg):
    cfg = dict(cfg)
    kind = cfg.pop('type')
    return (registry[kind] if isinstance(kind, str) else kind)(**cfg)


class _BaseDecodeHead(nn.Module):
    """Stand-in for the official mmseg 0.11 ``BaseDecodeHead`` (only what HFAN's head uses)."""

    def __init__(self, in_channels, channels, *, num_classes, dropout_ratio=0.1,
                 in_index=-1, input_transform=None, align_corners=False, **_):
        super().__init__()
        assert input_transform == 'multiple_select'
        self.in_channels, self.channels, self.num_classes = in_channels, channels, num_classes
        self.in_index, self.align_corners = in_index, align_corners
        self.conv_seg = nn.Conv2d(channels, num_classes, kernel_size=1)
        self.dropout = nn.Dropout2d(dropout_ratio) if dropout_ratio > 0 else None

    def _transform_inputs(self, inputs):
        return [inputs[i] for i in self.in_index]


def import_official(checkout: str) -> dict:
    """Import the official modules from ``checkout``; returns them by short name."""
    import mmcv
    import mmcv.cnn
    import mmcv.utils
    import mmengine.model
    import mmengine.utils

    mmcv.cnn.kaiming_init = getattr(mmcv.cnn, 'kaiming_init', mmengine.model.kaiming_init)
    mmcv.cnn.constant_init = getattr(mmcv.cnn, 'constant_init', mmengine.model.constant_init)
    mmcv.utils.deprecated_api_warning = getattr(mmcv.utils, 'deprecated_api_warning',
                                                mmengine.utils.deprecated_api_warning)
    mmcv.utils.is_tuple_of = getattr(mmcv.utils, 'is_tuple_of', mmengine.utils.is_tuple_of)
    _module('mmcv.runner', Sequential=mmengine.model.Sequential,
            load_checkpoint=lambda *a, **k: None)
    _module('mmcv.parallel')
    _module('mmcv.parallel.data_container', DataContainer=type('DataContainer', (), {}))

    for name in [m for m in sys.modules if m == 'mmseg' or m.startswith('mmseg.')]:
        del sys.modules[name]  # the stand-in tree below replaces any installed mmseg
    root = osp.join(checkout, 'mmseg')
    for pkg in ('', '.models', '.models.utils', '.models.hfan', '.models.backbones',
                '.models.decode_heads', '.datasets', '.datasets.pipelines', '.ops', '.utils'):
        _package('mmseg' + pkg, osp.join(root, *pkg.split('.')[1:]))
    backbones, heads = _Registry(), _Registry()
    _module('mmseg.models.builder', BACKBONES=backbones, HEADS=heads,
            build_backbone=lambda cfg: _build(backbones, cfg))
    _module('mmseg.datasets.builder', PIPELINES=_Registry())
    _module('mmseg.models.decode_heads.decode_head', BaseDecodeHead=_BaseDecodeHead)
    utils = sys.modules['mmseg.utils']
    files = _load('mmseg.utils.multiple_files', osp.join(root, 'utils', 'multiple_files.py'))
    utils.split_images = files.split_images
    utils.get_root_logger = lambda *a, **k: logging.getLogger('hfan-official')
    ops = sys.modules['mmseg.ops']
    ops.resize = _load('mmseg.ops.wrappers', osp.join(root, 'ops', 'wrappers.py')).resize
    sab = _load('mmseg.models.utils.self_attention_block',
                osp.join(root, 'models', 'utils', 'self_attention_block.py'))
    sys.modules['mmseg.models.utils'].SelfAttentionBlock = sab.SelfAttentionBlock
    mods = dict(
        mit=_load('mmseg.models.backbones.mix_transformer',
                  osp.join(root, 'models', 'backbones', 'mix_transformer.py')),
        hfan=_load('mmseg.models.hfan.hfan_vos', osp.join(root, 'models', 'hfan', 'hfan_vos.py')),
        ops=ops)
    _load('mmseg.datasets.pipelines.transforms',
          osp.join(root, 'datasets', 'pipelines', 'transforms.py'))
    mods['pipelines'] = _load(
        'mmseg.datasets.pipelines.transforms_multiple_images',
        osp.join(root, 'datasets', 'pipelines', 'transforms_multiple_images.py'))
    return mods


# --------------------------------------------------------------------------- weights
def randomise(module: nn.Module, seed: int, attn_gain: float = 1.0,
              plain_std: float | None = None) -> None:
    """Overwrite every parameter and BN statistic with seeded random values.

    ``plain_std`` set: every parameter is ``randn * plain_std`` (the fusion / head goldens).
    Otherwise weights are ``randn / sqrt(fan_in)`` (activations keep their scale through the
    depth) and the attention projections (``q``, ``kv``; POC's query / key projections) get
    ``attn_gain`` times that, so attention logits have a spread of ~gain**2 and the softmax is
    far from uniform; norm weights are ``1 + 0.1 randn``, biases ``0.1 randn``.
    """
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            r = torch.randn(p.shape, generator=g)
            if plain_std is not None:
                p.copy_(r * plain_std)
            elif p.ndim == 1:
                is_norm_weight = name.endswith('weight')
                p.copy_(1 + 0.1 * r if is_norm_weight else 0.1 * r)
            else:
                fan_in = p[0].numel()
                gain = attn_gain if any(k in name for k in (
                    '.q.', '.kv.', 'query_project', 'key_project', 'object_pred')) else 1.0
                p.copy_(r * gain / fan_in ** 0.5)
        for m in module.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.2)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)


def smooth_image(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A uint8 BGR picture: upsampled colour noise plus grain (a stand-in for a real frame)."""
    import cv2
    coarse = rng.uniform(0, 255, (h // 8, w // 8, 3)).astype(np.float32)
    img = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC) + rng.normal(0, 10, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- golden files
def make_fusion(off, out_dir):
    g = torch.Generator().manual_seed(1208)
    im, fw = torch.randn(2, 32, 6, 7, generator=g), torch.randn(2, 32, 6, 7, generator=g)
    rec = {'im': im, 'fw': fw}
    for seed, name, cls in ((1, 'fam', off['hfan'].FAM), (2, 'fat', off['hfan'].FAT),
                            (3, 'hfan', off['hfan'].HFAN)):
        m = cls(channels=32, r=2)
        randomise(m, seed, plain_std=0.3)
        m.eval()
        with torch.no_grad():
            rec[name] = {'state_dict': m.state_dict(), 'out': m(im, fw)}
    torch.save(rec, osp.join(out_dir, 'fusion_golden.pt'))


HEAD_CFG = dict(in_channels=[16, 16, 32, 32], in_index=[0, 1, 2, 3], feature_strides=[4, 8, 16, 32],
                channels=16, dropout_ratio=0.1, num_classes=2, align_corners=False,
                decoder_params=dict(embed_dim=16))


def make_head(off, out_dir):
    g = torch.Generator().manual_seed(1208)
    sizes = [(8, 9), (4, 5), (2, 3), (1, 2)]
    feats = [torch.randn(4, c, *s, generator=g) for c, s in zip(HEAD_CFG['in_channels'], sizes)]
    heads = {}
    for method in ('im', 'fw', 'base', 'fam', 'fat', 'hfan'):
        head = off['hfan'].HFANVOS_Head(select_method=method, **HEAD_CFG)
        randomise(head, 10, plain_std=0.3)  # im / fw / base have the same parameters
        head.eval()
        with torch.no_grad():
            heads[method] = {'state_dict': head.state_dict(), 'out': head(feats)}
    torch.save({'feats': feats, 'head_cfg': HEAD_CFG, 'heads': heads},
               osp.join(out_dir, 'head_golden.pt'))


TINY_MIT = dict(embed_dims=[16, 16, 32, 32], num_heads=[1, 1, 2, 2], mlp_ratios=[2, 2, 2, 2],
                qkv_bias=True, depths=[1, 1, 1, 1], sr_ratios=[4, 2, 1, 1])
NORM_MEAN, NORM_STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]


def tiny_official_model(off):
    from functools import partial
    hfan = off['hfan']
    backbone = hfan.HFANVOS(ori_type=off['mit'].MixVisionTransformer,
                            norm_layer=partial(nn.LayerNorm, eps=1e-6), **TINY_MIT)
    head = hfan.HFANVOS_Head(select_method='hfan', **HEAD_CFG)
    return backbone, head


def make_full(off, out_dir, attn_gain=3.0):
    """Raw frame + flow (uint8, before normalisation) -> official normalisation -> HFANVOS
    (official MiT) -> HFANVOS_Head -> logits resized to the input (EncoderDecoder)."""
    backbone, head = tiny_official_model(off)
    model = nn.ModuleDict({'backbone': backbone, 'decode_head': head})
    randomise(model, 11, attn_gain=attn_gain)
    model.eval()
    rng = np.random.default_rng(1208)
    h, w = 64, 64
    raw = np.concatenate([smooth_image(rng, h, w), smooth_image(rng, h, w)], axis=-1)  # BGR|BGR
    norm = off['pipelines'].NormalizeMultiImages(mean=NORM_MEAN, std=NORM_STD, to_rgb=True)
    img = norm({'img': raw.astype(np.float32)})['img']
    inputs = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))[None]
    with torch.no_grad():
        feats = backbone(inputs)
        logits = head(feats)
        seg_logits = off['ops'].resize(logits, size=inputs.shape[2:], mode='bilinear',
                                       align_corners=False)
    state_dict = dict(model.state_dict())
    # the same weights and input in float64: sharp attention amplifies float32 round-off to
    # ~1e-4 after four stages, float64 leaves only ~1e-13, so this comparison is exact
    model64 = model.double()
    with torch.no_grad():
        feats64 = backbone(inputs.double())
        logits64 = head(feats64)
        seg_logits64 = off['ops'].resize(logits64, size=inputs.shape[2:], mode='bilinear',
                                         align_corners=False)
    torch.save({'raw': torch.from_numpy(raw), 'inputs': inputs, 'state_dict': state_dict,
                'backbone_feats': list(feats), 'logits': logits, 'seg_logits': seg_logits,
                'float64': {'backbone_feats': list(feats64), 'logits': logits64,
                            'seg_logits': seg_logits64},
                'attn_gain': attn_gain, 'mean': NORM_MEAN, 'std': NORM_STD},
               osp.join(out_dir, 'full_golden.pt'))
    del model64


def make_photometric(off, out_dir):
    """The official PhotoMetricDistortionMultiImages on a fixed pair under fixed numpy seeds."""
    rng = np.random.default_rng(7)
    raw = np.concatenate([smooth_image(rng, 16, 24), smooth_image(rng, 16, 24)], axis=-1)
    outs = {}
    for seed in range(6):
        np.random.seed(seed)
        out = off['pipelines'].PhotoMetricDistortionMultiImages()({'img': raw.copy()})['img']
        outs[seed] = torch.from_numpy(np.ascontiguousarray(out))
    torch.save({'raw': torch.from_numpy(raw), 'out': outs},
               osp.join(out_dir, 'photometric_golden.pt'))


def make_keys(off, out_dir):
    """Every key / shape of the released HFAN-Small layout (mit_b1 + HFANVOS_Head, E = 256)."""
    hfan = off['hfan']
    model = nn.ModuleDict({
        'backbone': hfan.HFANVOS(ori_type='mit_b1'),
        'decode_head': hfan.HFANVOS_Head(
            select_method='hfan', in_channels=[64, 128, 320, 512], in_index=[0, 1, 2, 3],
            feature_strides=[4, 8, 16, 32], channels=128, dropout_ratio=0.1, num_classes=2,
            align_corners=False, decoder_params=dict(embed_dim=256))})
    shapes = {k: list(v.shape) for k, v in model.state_dict().items()}
    with open(osp.join(out_dir, 'hfan_small_official_keys.json'), 'w') as f:
        json.dump(shapes, f, indent=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='checkout of the official HFAN repository')
    parser.add_argument('--out', default=HERE, help='output folder (default: this folder)')
    args = parser.parse_args(argv)
    try:
        commit = subprocess.run(['git', '-C', args.checkout, 'rev-parse', 'HEAD'],
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = 'unknown (not a git checkout)'
    if commit != EXPECTED_COMMIT:
        print(f'warning: checkout is at {commit}, PROVENANCE.md records {EXPECTED_COMMIT}')
    torch.set_num_threads(1)
    off = import_official(osp.abspath(args.checkout))
    os.makedirs(args.out, exist_ok=True)
    make_fusion(off, args.out)
    make_head(off, args.out)
    make_full(off, args.out)
    make_photometric(off, args.out)
    make_keys(off, args.out)
    print(f'wrote the golden files to {args.out}')


if __name__ == '__main__':
    main()
