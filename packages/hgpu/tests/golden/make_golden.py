"""Regenerate the golden files of hgpu from a checkout of the official repository.

    python packages/hgpu/tests/golden/make_golden.py /path/to/official/checkout [--out DIR]

Our harness only: it imports the official modules from the checkout (``sys.path``:
``libs/model/HGPU.py``, ``libs/utils/ConvGRU2.py``, ``libs/utils/obj.py``), patches at run time
(never in a file) what a CPU without downloads needs, seeds, runs and saves inputs and outputs.
It contains no official code. Patched:

* ``libs.model.HGPU.models.resnet101`` -> ``torchvision.models.resnet101(weights=None)`` (the
  official asks for the ImageNet download; every weight is overwritten below anyway);
* the module global ``libs.model.HGPU.ws`` (the hard-coded output size 512) -> the input size;
* ``EncoderNet.flag`` (a class attribute) set to ``'pre'`` / ``'main'`` around each call;
* ``.cuda()`` -> identity (``cvshared.harness.cuda_calls_on_cpu``) for the official loss.

Weights: every tensor of an official ``state_dict`` is overwritten by :func:`seeded_state_dict`
from its key and shape alone, so the tests rebuild the very same weights without the official
code or a committed 700 MB state dict (only the key / shape list is committed). The recipe is
scaled so that every part matters (attention far from uniform, GCT far from the identity,
decoder logits of order one; see PROVENANCE.md).
"""
from __future__ import annotations

import argparse
import math
import os.path as osp
import re
import subprocess
import sys
import types
import zlib

import torch

HERE = osp.dirname(osp.abspath(__file__))
EXPECTED_COMMIT = '8ddefcf4660965eb794592f52e03a069e65d7e01'
SIZE = 64  # input side of the whole-forward golden (stage 5 is 2 x 2)


# ------------------------------------------------------------------ the shared weight recipe
def _kind(key: str, shapes: dict) -> str:
    leaf = key.rsplit('.', 1)[-1]
    if leaf in ('alpha', 'gamma', 'beta'):
        return 'gct_' + leaf
    if leaf in ('running_mean', 'running_var', 'num_batches_tracked'):
        return leaf
    parent = key.rsplit('.', 1)[0]
    weight = shapes.get(parent + '.weight')
    if leaf == 'weight':
        return 'conv' if len(shapes[key]) == 4 else 'bn_weight'
    if leaf == 'bias':
        return 'conv_bias' if weight is not None and len(weight) == 4 else 'bn_bias'
    raise KeyError(f'no weight recipe for {key}')


def _conv_gain(key: str) -> float:
    """Per-module gains (official names) that keep the 101-layer stacks finite and make the
    attention and gates far from uniform / the identity."""
    if '.c_f1.' in key or '.c_f2.' in key or key.startswith(('c_f1.', 'c_f2.')):
        return 3.0  # SA logits: spatial softmax far from uniform
    if '.p_f1.' in key or '.p_f2.' in key or key.startswith(('p_f1.', 'p_f2.')):
        return 1.5  # CA affinity: tanh in its non-linear range
    if '.conv3.' in key and key.startswith('res'):
        return 0.5  # last conv of each bottleneck: bounded residual growth over 23 blocks
    return 1.0


_GRU_GATE = re.compile(r'^(CG\d\.)?(reset|update|out)_gate\.weight$')


def seeded_tensor(key: str, shape, shapes: dict, seed: int = 0) -> torch.Tensor:
    """The tensor of official key ``key``: a function of (key, shape, seed) only."""
    gen = torch.Generator().manual_seed(seed * 1_000_003 + zlib.crc32(key.encode()))
    kind = _kind(key, shapes)
    shape = tuple(shape)
    if kind == 'num_batches_tracked':
        return torch.zeros(shape, dtype=torch.long)
    if kind == 'conv':
        fan_in = math.prod(shape[1:])
        w = torch.randn(shape, generator=gen) * (_conv_gain(key) / math.sqrt(fan_in))
        if _GRU_GATE.match(key):
            # the message half of a ConvGRU gate: messages are unit vectors per pixel (CA's
            # L2 normalisation), so x sqrt(C) gives them the weight of the node state
            w[:, :shape[0]] *= math.sqrt(shape[0])
        return w
    if kind == 'conv_bias':
        return torch.randn(shape, generator=gen) * 0.1
    if kind == 'bn_weight':
        return torch.rand(shape, generator=gen) * 0.5 + 0.5
    if kind in ('bn_bias', 'running_mean'):
        return torch.randn(shape, generator=gen) * 0.1
    if kind == 'running_var':
        return torch.rand(shape, generator=gen) + 0.5
    if kind == 'gct_alpha':
        return torch.rand(shape, generator=gen) + 0.5
    if kind == 'gct_gamma':
        return torch.randn(shape, generator=gen)
    if kind == 'gct_beta':
        return torch.randn(shape, generator=gen) * 0.5
    raise AssertionError(kind)


def seeded_state_dict(shapes: dict, seed: int = 0) -> dict:
    """``{key: seeded_tensor(key, shape)}`` for an official ``{key: shape}`` listing."""
    return {k: seeded_tensor(k, s, shapes, seed) for k, s in shapes.items()}


def shapes_of(module) -> dict:
    return {k: list(v.shape) for k, v in module.state_dict().items()}


def randomise(module, seed: int = 0) -> dict:
    shapes = shapes_of(module)
    module.load_state_dict(seeded_state_dict(shapes, seed), strict=True)
    return shapes


# ------------------------------------------------------------------ the official calls
def _import_official(checkout: str):
    import torchvision
    sys.path.insert(0, osp.abspath(checkout))
    import libs.model.HGPU as official
    import libs.utils.ConvGRU2 as convgru
    resnet101 = torchvision.models.resnet101
    # a stand-in namespace (``official.models`` IS torchvision.models: never patch that)
    official.models = types.SimpleNamespace(resnet101=lambda *a, **k: resnet101(weights=None))
    return official, convgru


def make_components(official, convgru, out: str) -> None:
    """ConvGRUCell, MessageAgg (both modes), MACU, Readout / FR at small channel counts."""
    g = torch.Generator().manual_seed(14)
    res = {}
    # ConvGRUCell(16, 16): message x and node state h, 5 x 6
    gru = convgru.ConvGRUCell(16, 16).eval()
    gru_shapes = randomise(gru, seed=1)
    x, h = torch.randn(2, 16, 5, 6, generator=g), torch.randn(2, 16, 5, 6, generator=g)
    with torch.no_grad():
        res['gru'] = dict(shapes=gru_shapes, x=x, h=h, out=gru(x, h))
    # MessageAgg(64): C/16 = 4 projections, 6 x 7 maps
    agg = official.MessageAgg(64).eval()
    agg_shapes = randomise(agg, seed=2)
    f1, f2 = torch.randn(2, 64, 6, 7, generator=g), torch.randn(2, 64, 6, 7, generator=g)
    res['message'] = dict(shapes=agg_shapes, f1=f1, f2=f2)
    for mode in ('pre', 'main'):
        official.EncoderNet.flag = mode
        with torch.no_grad():
            res['message'][mode] = agg(f1, f2)
    official.EncoderNet.flag = 'pre'
    # MACU(64) and Readout(64) (GCT shared by both inputs, FR with the reused global branch)
    macu = official.MACU(64).eval()
    macu_shapes = randomise(macu, seed=3)
    readout = official.Readout(64).eval()
    readout_shapes = randomise(readout, seed=4)
    with torch.no_grad():
        res['macu'] = dict(shapes=macu_shapes, x=f1, out=macu(f1))
        res['readout'] = dict(shapes=readout_shapes, x=f1, y=f2, out=readout(f1, f2))
    torch.save(res, osp.join(out, 'components_golden.pt'))


def _raw_inputs(size: int):
    """Two frames and a flow image as uint8 RGB (the raw input) and their official
    normalisation (``ToTensor`` + ImageNet ``Normalize``)."""
    g = torch.Generator().manual_seed(2023)
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing='ij')
    raw = []
    for shift in (0, 3, 7):  # a bright disc on noise; the flow image is a third pattern
        disc = ((yy - size / 2 - shift) ** 2 + (xx - size / 3 - shift) ** 2) < (size / 4) ** 2
        img = torch.randint(0, 256, (3, size, size), generator=g)
        img = torch.where(disc, torch.tensor([230, 60, 40]).view(3, 1, 1), img)
        raw.append(img.to(torch.uint8))
    mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
    normed = [((r.float() / 255.0) - mean) / std for r in raw]
    return raw, normed


def make_whole(official, out: str, size: int = SIZE) -> None:
    """EncoderNet (three ResNet-101s) + DecoderNet from the raw images, ws = size, both modes.

    Saves the key / shape listing (the weights are rebuilt from it), the raw uint8 inputs, the
    12 encoder outputs and the two masks of each mode."""
    official.ws = size
    enc, dec = official.EncoderNet().eval(), official.DecoderNet().eval()
    enc_shapes, dec_shapes = randomise(enc, seed=5), randomise(dec, seed=6)
    raw, (im1, im2, flow) = _raw_inputs(size)
    res = dict(size=size, raw=raw, encoder_shapes=enc_shapes, decoder_shapes=dec_shapes)
    for mode in ('pre', 'main'):
        official.EncoderNet.flag = mode
        with torch.no_grad():
            feats = enc(im1[None], im2[None], flow[None])
            masks = dec(*feats)
        # encoder outputs of 'pre' only (they feed the decoder-alone test); masks of both
        res[mode] = dict(masks=list(masks))
        if mode == 'pre':
            res[mode]['encoder'] = list(feats)
    official.EncoderNet.flag = 'pre'
    torch.save(res, osp.join(out, 'whole_golden.pt'))


def make_loss(checkout: str, out: str) -> None:
    """The official ``Loss`` on a prob / mask / negative-pixel map written by hand."""
    import libs.utils.obj as obj
    from cvshared.harness import cuda_calls_on_cpu
    g = torch.Generator().manual_seed(7)
    prob = torch.rand(1, 1, 9, 11, generator=g).clamp(0.02, 0.98)
    mask = (torch.rand(1, 1, 9, 11, generator=g) > 0.6).float()
    neg = torch.rand(1, 1, 9, 11, generator=g) * (torch.rand(1, 1, 9, 11, generator=g) > 0.5)
    neg = neg * (1 - mask)
    with cuda_calls_on_cpu():
        loss = obj.Loss()(prob, mask, neg)
    torch.save(dict(prob=prob, mask=mask, negative=neg, loss=loss.cpu()),
               osp.join(out, 'loss_golden.pt'))


def _commit(checkout: str) -> str | None:
    try:
        return subprocess.run(['git', '-C', checkout, 'rev-parse', 'HEAD'], check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    if not osp.isfile(osp.join(args.checkout, 'libs', 'model', 'HGPU.py')):
        parser.error(f'{args.checkout} is not a checkout of the official repository '
                     '(no libs/model/HGPU.py)')
    commit = _commit(args.checkout)
    if commit != EXPECTED_COMMIT:
        print(f'warning: checkout at {commit}, PROVENANCE.md records {EXPECTED_COMMIT}',
              file=sys.stderr)
    torch.set_num_threads(1)
    official, convgru = _import_official(args.checkout)
    make_components(official, convgru, args.out)
    make_loss(args.checkout, args.out)
    make_whole(official, args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
