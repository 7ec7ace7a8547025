"""Regenerate the golden files of antico from a checkout of the official repository.

    python packages/antico/tests/golden/make_golden.py /path/to/official/checkout [--out DIR]

Our harness only: it imports ``criteria/antico.py`` (class ``Criterion``) from the checkout
(``sys.path``), makes ``.cuda()`` the identity while it runs (never edits a file), seeds, runs
the official loss in float32 for each of the three ``antico_type`` modes and saves inputs,
the coding-rate terms, the loss and its gradients (``antico_criterion.pt``).
``whole_forward.pt``: real JPEG files through the official test transform
(``datasets/basic_dataset_scaffold.py``: PIL, Resize 256, CenterCrop 224, ImageNet mean / std)
and ``architectures/resnet50.py::Network`` (``--arch resnet50_frozen_normalize_double``,
d = 512) with the seeded weights of :func:`seeded_state_dict`. That network is built by the
``pretrainedmodels`` package (``pretrained=None``: nothing is downloaded), which must be
importable (``PYTHONPATH``; it is not a dependency of this repository).
It contains no official code.
"""
from __future__ import annotations

import argparse
import io
import os.path as osp
import sys
from types import SimpleNamespace

from cvshared.harness import cuda_calls_on_cpu

HERE = osp.dirname(osp.abspath(__file__))
MODES = ('pair', 'batch_proxy', 'all_proxy')
# the official run scripts' values (antico_runs.sh, parameters.py defaults)
OPTIONS = dict(antico_gam1=1.0, antico_gam2=1.0, antico_eps=0.5, antico_w=1.0,
               loss_ac_w_align=0.0035, loss_oproxy_lrmulti=2000, loss_oproxy_pos_alpha=64.0,
               loss_oproxy_neg_alpha=64.0, loss_oproxy_pos_delta=0.1,
               loss_oproxy_neg_delta=-0.1, lr=1e-5)


def case(torch, criterion_cls, mode, num_classes, dim, per_class, present, seed):
    """One seeded case: ``per_class`` samples of each class in ``present``."""
    gen = torch.Generator().manual_seed(seed)
    labels = torch.tensor(present).repeat_interleave(per_class)
    x = torch.randn(len(labels), dim, generator=gen)
    x = torch.nn.functional.normalize(x, dim=-1)   # the network's L2 normalisation
    proxies = torch.randn(num_classes, dim, generator=gen) / 8   # the official init
    opt = SimpleNamespace(n_classes=num_classes, embed_dim=dim, antico_type=mode, **OPTIONS)
    criterion = criterion_cls(opt)
    with torch.no_grad():
        criterion.proxies.copy_(proxies)
    xg = x.clone().requires_grad_(True)
    with cuda_calls_on_cpu():
        loss, rate_p, _ = criterion(xg, labels, None, 0, 0)
        ac_exponent, _ = criterion.antico(x, labels, criterion.proxies.detach(), mode,
                                          num_classes)
        align = criterion.panc(x, criterion.proxies.detach(), labels)
        normalized = torch.nn.functional.normalize(criterion.proxies.detach(), dim=-1)
        chosen = normalized[torch.unique(labels)] if mode == 'batch_proxy' else normalized
        rates = criterion.compute_discrimn_loss(x.T, chosen.T)
    loss.backward()
    return dict(mode=mode, labels=labels, embeddings=x, proxies=proxies, loss=loss.detach(),
                anti_collapse=torch.exp(ac_exponent).detach(), align=align.detach(),
                rate_pair=rates[0].detach(), rate_proxy_standard=rates[1].detach(),
                rate_proxy_gram=rates[2].detach(), grad_embeddings=xg.grad.clone(),
                grad_proxies=criterion.proxies.grad.clone(), options=dict(OPTIONS))


def seeded_state_dict(shapes: dict, seed: int = 7) -> dict:
    """Deterministic weights for ``{name: shape}`` (one torch CPU generator per tensor, in name
    order): conv / linear weights N(0, 2 / fan_in), BN scales and running variances
    U(0.5, 1.5), biases and running means U(-0.2, 0.2), so every BatchNorm and the embedding
    bias matter. The harness and ``tests/test_golden.py`` both call it: the golden file keeps
    the recipe (shapes + seed), not 100 MB of ResNet-50 weights."""
    import math

    import torch
    out = {}
    for i, name in enumerate(sorted(shapes)):
        shape = tuple(shapes[name])
        gen = torch.Generator().manual_seed(seed * 1_000_003 + i)
        leaf = name.rsplit('.', 1)[-1]
        if leaf == 'num_batches_tracked':
            out[name] = torch.zeros(shape, dtype=torch.long)
        elif leaf == 'weight' and len(shape) > 1:
            out[name] = torch.randn(shape, generator=gen) * math.sqrt(2.0 / math.prod(shape[1:]))
        elif leaf in ('weight', 'running_var'):
            out[name] = torch.rand(shape, generator=gen) + 0.5
        else:  # bias, running_mean
            out[name] = torch.rand(shape, generator=gen) * 0.4 - 0.2
    return out


def jpeg_inputs(first: str, second: str) -> list:
    """The first photo's bytes as they are, and a 333 x 275 crop of the second re-encoded (PIL,
    quality 90): odd sizes, a landscape and a portrait, two scenes."""
    from PIL import Image
    with open(first, 'rb') as f:
        data = f.read()
    buf = io.BytesIO()
    Image.open(second).convert('RGB').crop((61, 40, 394, 315)).save(buf, format='JPEG',
                                                                     quality=90)
    return [data, buf.getvalue()]


def whole_forward(checkout: str, images: tuple, out: str, seed: int = 7) -> str:
    """The official test transform + network, in eval mode, on the JPEG files of
    :func:`jpeg_inputs`, decoded as ``BaseDataset.__getitem__`` does (PIL, grey -> RGB)."""
    import PIL.Image
    import torch
    import torchvision.transforms as T
    sys.path.insert(0, osp.abspath(checkout))
    from architectures.resnet50 import Network  # official
    from datasets.basic_dataset_scaffold import BaseDataset  # official
    opt = SimpleNamespace(arch='resnet50_frozen_normalize_double', not_pretrained=True,
                          embed_dim=512, augmentation='base')
    model = Network(opt)
    keys = list(model.state_dict())   # as an official checkpoint holds them
    # ``layer_blocks.i`` is the same module as ``model.layer{i+1}``: seed each tensor once
    shapes = {k: list(v.shape) for k, v in model.state_dict().items()
              if not k.startswith('layer_blocks.')}
    missing, unexpected = model.load_state_dict(seeded_state_dict(shapes, seed), strict=False)
    assert all(k.startswith('layer_blocks.') for k in missing) and not unexpected
    model.eval()
    # the official validation transforms, built by the official class on an empty data set
    data = BaseDataset({}, opt, is_validation=True)
    transform = T.Compose([data.normal_transform, data.shared_transform])
    jpegs = jpeg_inputs(*images)
    pixels = []
    for raw in jpegs:
        im = PIL.Image.open(io.BytesIO(raw))
        if len(im.size) == 2 and im.mode != 'RGB':   # the official pil_ensure_3dim
            im = im.convert('RGB')
        pixels.append(transform(im))
    x = torch.stack(pixels)
    with torch.no_grad():
        embed = model(x)['embeds']
    path = osp.join(out, 'whole_forward.pt')
    torch.save(dict(jpeg_bytes=[torch.frombuffer(bytearray(b), dtype=torch.uint8) for b in jpegs],
                    shapes=shapes, seed=seed, arch=opt.arch, state_dict_keys=keys, embed=embed),
               path)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    parser.add_argument('--which', choices=('all', 'loss', 'whole_forward'), default='all')
    parser.add_argument('--images', nargs=2, default=None,
                        help='the two JPEG files of whole_forward.pt (default: matplotlib\'s '
                             'sample grace_hopper.jpg, 512 x 600, and scikit-image\'s rocket.jpg)')
    args = parser.parse_args(argv)
    if not osp.isfile(osp.join(args.checkout, 'criteria', 'antico.py')):
        parser.error(f'{args.checkout} is not a checkout of the official repository '
                     '(no criteria/antico.py)')
    if args.which in ('all', 'whole_forward'):
        images = args.images
        if images is None:
            import matplotlib
            import skimage.data
            images = (osp.join(matplotlib.get_data_path(), 'sample_data', 'grace_hopper.jpg'),
                      osp.join(osp.dirname(skimage.data.__file__), 'rocket.jpg'))
        print(f'wrote {whole_forward(args.checkout, images, args.out)}')
    if args.which == 'whole_forward':
        return 0
    sys.path.insert(0, osp.abspath(args.checkout))
    import torch
    from criteria.antico import Criterion  # the official class
    torch.manual_seed(0)
    cases = []
    for seed, mode in enumerate(MODES):
        # 2 samples per class (the official sampler), 7 of 10 classes present, D = 16
        cases.append(case(torch, Criterion, mode, num_classes=10, dim=16, per_class=2,
                          present=[0, 2, 3, 5, 6, 8, 9], seed=seed))
    # more proxies than dimensions: the Gram form's two factorisations differ in size
    cases.append(case(torch, Criterion, 'all_proxy', num_classes=24, dim=8, per_class=2,
                      present=[1, 4, 7, 20], seed=10))
    torch.save(dict(cases=cases), osp.join(args.out, 'antico_criterion.pt'))
    print(f"wrote {osp.join(args.out, 'antico_criterion.pt')} ({len(cases)} cases)")
    return 0


if __name__ == '__main__':
    sys.exit(main())
