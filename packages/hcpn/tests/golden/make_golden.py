"""Regenerate the golden files of hcpn from a checkout of the official repository.

    python packages/hcpn/tests/golden/make_golden.py /path/to/official/HCPN [--out DIR]

Our harness only: it imports ``libs.model.HCPN`` and ``libs.utils.obj`` from the checkout
(``sys.path``), patches at run time (never editing a file) the hard-coded output size
``ws = 512`` (-> ``SIZE``), ``torchvision.models.resnet101(pretrained=True)`` (-> random
``weights=None``, no download) and ``.cuda()`` (``cvshared.harness.cuda_calls_on_cpu``), sets
every parameter and buffer by :func:`seeded_weights` (the test rebuilds the same weights from
the official key list, so no 600 MB state dict is committed), and saves inputs and outputs:

- ``official_keys.json``: every key and shape of ``EncoderNet().state_dict()`` and
  ``DecoderNet().state_dict()`` (ResNet-101 streams), for the converter and the weights.
- ``whole_forward.pt``: raw uint8 frames and flow image (``SIZE x SIZE``), the official
  ``ToTensor + Normalize`` -> ``EncoderNet`` -> ``DecoderNet`` run in eval mode: the eight
  encoder outputs and ``(m1, c1, m2, c2)``.
- ``loss.pt``: the official ``Loss`` (``libs/utils/obj.py``) on random probabilities, binary
  targets and hard-negative maps, each of the four terms, and the total of ``train.py``.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import sys
import types

HERE = osp.dirname(osp.abspath(__file__))
SIZE = 64
WEIGHT_SEED = 2024
INPUT_SEED = 7
DECODER_GAIN = 0.8
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def seeded_weights(keys_and_shapes, seed: int = WEIGHT_SEED, conv_gain: float = 2.0 ** 0.5):
    """Deterministic tensors for every ``(official key, shape)``, in order, yielded as
    ``(key, tensor)``; chosen so that every part of HCPN matters:

    - BatchNorm (a prefix with ``running_mean``): weight U(0.5, 1.5), bias N(0, 0.1),
      running_mean N(0, 0.1), running_var U(0.5, 1.5); in the ResNet streams the last BN of
      each residual branch (``bn3``) gets weight U(0.1, 0.3), so 33 residual blocks do not
      blow the activations up.
    - GAC / GCT ``alpha`` U(0.5, 1.5), ``gamma`` N(0, 1), ``beta`` N(0, 0.5) (far from the
      identity init, alpha = 1, gamma = beta = 0).
    - conv weights N(0, conv_gain^2 / fan_in) (He: gain sqrt 2 in the encoder; DECODER_GAIN
      in the decoder, whose official N(0, 0.001) init would make every output 0.5, and where
      He gains saturate the sigmoid); the PCM soft-attention convs (``c_f1``, ``c_f2``) x4, so
      the spatial softmax is far from uniform; other biases N(0, 0.1).
    """
    import math

    import torch
    gen = torch.Generator().manual_seed(seed)
    keys = [k for k, _ in keys_and_shapes]
    bn_prefixes = {k[:-len('running_mean')] for k in keys if k.endswith('running_mean')}
    for key, shape in keys_and_shapes:
        shape = tuple(shape)
        prefix, _, leaf = key.rpartition('.')
        prefix += '.'
        if leaf == 'num_batches_tracked':
            yield key, torch.zeros(shape, dtype=torch.long)
            continue

        def uniform(lo, hi, shape=shape):
            return lo + (hi - lo) * torch.rand(shape, generator=gen)

        def normal(std, shape=shape):
            return std * torch.randn(shape, generator=gen)

        if prefix in bn_prefixes:
            if leaf == 'weight':
                last = prefix.endswith('.bn3.') and '.res' in '.' + prefix
                value = uniform(0.1, 0.3) if last else uniform(0.5, 1.5)
            elif leaf == 'running_var':
                value = uniform(0.5, 1.5)
            else:  # bias, running_mean
                value = normal(0.1)
        elif leaf == 'alpha':
            value = uniform(0.5, 1.5)
        elif leaf == 'gamma':
            value = normal(1.0)
        elif leaf == 'beta':
            value = normal(0.5)
        elif len(shape) == 4:
            fan_in = shape[1] * shape[2] * shape[3]
            value = normal(conv_gain / math.sqrt(fan_in))
        else:
            value = normal(0.1)
        yield key, value


def official_weights(keys: dict, part: str, factors: dict | None = None) -> dict:
    """:func:`seeded_weights` of the official ``encoder`` or ``decoder`` keys, times the
    :func:`calibrate_pcm` ``factors`` where given."""
    if part == 'encoder':
        state = dict(seeded_weights(keys['encoder'], WEIGHT_SEED))
    else:
        state = dict(seeded_weights(keys['decoder'], WEIGHT_SEED + 1, conv_gain=DECODER_GAIN))
    for key, factor in (factors or {}).items():
        if key in state:
            state[key] = state[key] * factor
    return state


def calibrate_pcm(encoder, inputs, sa_std: float = 1.5, affinity_std: float = 1.5) -> dict:
    """Factors for the official PCM convs (``pca_res{3,4,5}.{c_f1,c_f2,p_f1,p_f2}``), level by
    level, from the first SA -> CA round on the golden inputs: the soft-attention logits get
    std ``sa_std`` over the H x W positions and the pre-tanh co-attention affinity std
    ``affinity_std``. Returns ``{official key: factor}`` (already applied to ``encoder``)."""
    import torch
    factors = {}
    for level in (3, 4, 5):
        pcm = getattr(encoder, f'pca_res{level}')
        seen = []
        handle = pcm.register_forward_pre_hook(lambda m, args, seen=seen: seen.append(args))
        with torch.no_grad():
            encoder(*inputs)
        handle.remove()
        f1, f2 = seen[0]
        with torch.no_grad():
            for conv, f in (('c_f1', f1), ('c_f2', f2)):
                k = sa_std / float(getattr(pcm, conv)(f).std())
                for leaf in ('weight', 'bias'):
                    getattr(getattr(pcm, conv), leaf).mul_(k)
                    factors[f'pca_res{level}.{conv}.{leaf}'] = k
            q1, q2 = pcm.forward_sa(f1, f2)
            p1, p2 = pcm.p_f1(q1).flatten(2), pcm.p_f2(q2).flatten(2)
            k = (affinity_std / float(torch.bmm(p2.transpose(1, 2), p1).std())) ** 0.5
            for conv in ('p_f1', 'p_f2'):
                for leaf in ('weight', 'bias'):
                    getattr(getattr(pcm, conv), leaf).mul_(k)
                    factors[f'pca_res{level}.{conv}.{leaf}'] = k
    return factors


def official_inputs(seed: int = INPUT_SEED):
    """Raw ``SIZE x SIZE x 3`` uint8 frames and flow image (smooth blobs + noise)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    out = []
    for shift in (0.0, 0.06, None):
        if shift is None:  # flow image: a colour blob where the object moved
            base = 0.8 - 0.6 * np.exp(-((xx - 0.5) ** 2 + (yy - 0.45) ** 2) / 0.02)
            img = np.stack([base, 0.9 - 0.3 * base, base ** 2], -1)
        else:
            blob = np.exp(-((xx - 0.4 - shift) ** 2 + (yy - 0.5) ** 2) / 0.03)
            img = np.stack([0.2 + 0.7 * blob, 0.5 * (1 - blob) + 0.2 * xx, 0.3 + 0.4 * yy], -1)
        img = img + rng.normal(0, 0.05, img.shape)
        out.append((np.clip(img, 0, 1) * 255).astype(np.uint8))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    if not osp.isfile(osp.join(args.checkout, 'libs', 'model', 'HCPN.py')):
        parser.error(f'{args.checkout} is not a checkout of the official repository '
                     '(libs/model/HCPN.py is missing)')
    sys.path.insert(0, osp.abspath(args.checkout))
    import torch
    import torchvision
    from cvshared.harness import cuda_calls_on_cpu

    torch.set_num_threads(1)
    import libs.model.HCPN as official
    from libs.utils.obj import Loss
    official.ws = SIZE  # the hard-coded output size
    official.models = types.SimpleNamespace(
        resnet101=lambda *a, **k: torchvision.models.resnet101(weights=None))

    torch.manual_seed(0)
    encoder, decoder = official.EncoderNet(), official.DecoderNet()
    keys = {'encoder': [[k, list(v.shape)] for k, v in encoder.state_dict().items()],
            'decoder': [[k, list(v.shape)] for k, v in decoder.state_dict().items()]}
    with open(osp.join(args.out, 'official_keys.json'), 'w') as f:
        json.dump(keys, f, indent=0)
    for part, module in (('encoder', encoder), ('decoder', decoder)):
        weights = dict(official_weights(keys, part))
        module.load_state_dict(weights, strict=True)
    encoder.eval()
    decoder.eval()

    raw = official_inputs()
    mean, std = torch.tensor(MEAN)[:, None, None], torch.tensor(STD)[:, None, None]
    x = [((torch.from_numpy(r).permute(2, 0, 1).float() / 255 - mean) / std)[None]
         for r in raw]
    factors = calibrate_pcm(encoder, x)
    with torch.no_grad(), cuda_calls_on_cpu():
        feats = encoder(*x)
        outputs = decoder(*feats)
    torch.save(dict(size=SIZE, weight_seed=WEIGHT_SEED, pcm_factors=factors,
                    raw=[torch.from_numpy(r) for r in raw],
                    normalised=x, encoder_outputs=list(feats), outputs=list(outputs)),
               osp.join(args.out, 'whole_forward.pt'))

    gen = torch.Generator().manual_seed(3)
    shape = (2, 1, 16, 16)
    prob = [torch.rand(shape, generator=gen).clamp(0.02, 0.98) for _ in range(4)]
    target = [(torch.rand(shape, generator=gen) > 0.6).float() for _ in range(4)]
    negative = [torch.rand(shape, generator=gen) * (torch.rand(shape, generator=gen) > 0.5)
                for _ in range(2)]
    criterion = Loss()
    with cuda_calls_on_cpu():
        terms = [criterion(p, t, negative[i % 2]) for i, (p, t) in enumerate(zip(prob, target))]
    # train.py: mask1, ctr1 (negative 1), mask2, ctr2 (negative 2) ->
    m1, c1, m2, c2 = terms[0], terms[2], terms[1], terms[3]
    total = 0.5 * (m1 + m2) + 0.5 * (0.5 * (c1 + c2))
    torch.save(dict(prob=prob, target=target, negative=negative, terms=terms, total=total),
               osp.join(args.out, 'loss.pt'))
    print('wrote', args.out, 'm1 mean', float(outputs[0].mean()), 'std', float(outputs[0].std()))
    return 0


if __name__ == '__main__':
    sys.exit(main())
