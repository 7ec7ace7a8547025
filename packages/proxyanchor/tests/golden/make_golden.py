"""Regenerate the golden files of proxyanchor from a checkout of the official repository.

    python packages/proxyanchor/tests/golden/make_golden.py /path/to/official/checkout [--out DIR]

Our harness only: it imports ``code/losses.py`` (class ``Proxy_Anchor``) from the checkout
(``sys.path``), makes ``.cuda()`` the identity while it runs (never edits a file), seeds, runs
the official loss on random embeddings / labels / proxies (C >= 3: the official ``binarize``
returns one column at C = 2) and saves the loss and its gradients with respect to the
embeddings and the proxies (``proxy_anchor_loss.pt``). ``whole_forward.pt``: real JPEG files
through the official test transform (``dataset/utils.py::make_transform(is_train=False)``) and
``net/resnet.py::Resnet50`` (d = 512, L2) with the seeded weights of :func:`seeded_state_dict`.
It contains no official code.
"""
from __future__ import annotations

import argparse
import io
import os.path as osp
import sys

from cvshared.harness import cuda_calls_on_cpu

HERE = osp.dirname(osp.abspath(__file__))
# (num_classes, dim, batch, labels or None = random, alpha, margin, seed)
CASES = (
    (5, 8, 12, None, 32.0, 0.1, 0),
    (3, 4, 6, [0, 0, 2, 2, 2, 0], 32.0, 0.1, 1),   # class 1 absent: |P+| = 2 < C
    (20, 16, 30, None, 32.0, 0.1, 2),
    (6, 8, 10, None, 16.0, 0.2, 3),                 # other alpha / delta
)


def seeded_state_dict(shapes: dict, seed: int = 5) -> dict:
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
    """The first photo's bytes as they are, and a 301 x 397 crop of the second re-encoded (PIL,
    quality 90): odd sizes, so the centre crop's rounding matters, and another scene."""
    from PIL import Image
    with open(first, 'rb') as f:
        data = f.read()
    buf = io.BytesIO()
    Image.open(second).convert('RGB').crop((120, 20, 421, 417)).save(buf, format='JPEG',
                                                                       quality=90)
    return [data, buf.getvalue()]


def whole_forward(checkout: str, images: tuple, out: str, seed: int = 5) -> str:
    """Official test transform + ``Resnet50(512, pretrained=False, is_norm=True,
    bn_freeze=True)`` in eval mode on the JPEG files of :func:`jpeg_inputs`, decoded as the
    official ``BaseDataset.__getitem__`` does (PIL, grey -> RGB)."""
    import PIL.Image
    import torch
    sys.path.insert(0, osp.join(osp.abspath(checkout), 'code'))
    from dataset.utils import make_transform  # official
    from net.resnet import Resnet50  # official
    model = Resnet50(embedding_size=512, pretrained=False, is_norm=True, bn_freeze=True)
    shapes = {k: list(v.shape) for k, v in model.state_dict().items()}
    model.load_state_dict(seeded_state_dict(shapes, seed), strict=True)
    model.eval()
    transform = make_transform(is_train=False, is_inception=False)
    jpegs = jpeg_inputs(*images)
    pixels = []
    for data in jpegs:
        im = PIL.Image.open(io.BytesIO(data))
        if len(list(im.split())) == 1:
            im = im.convert('RGB')
        pixels.append(transform(im))
    x = torch.stack(pixels)
    with torch.no_grad():
        embed = model(x)
    path = osp.join(out, 'whole_forward.pt')
    torch.save(dict(jpeg_bytes=[torch.frombuffer(bytearray(b), dtype=torch.uint8) for b in jpegs],
                    shapes=shapes, seed=seed, inputs_mean=x.mean((0, 2, 3)), embed=embed), path)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    parser.add_argument('--which', choices=('all', 'loss', 'whole_forward'), default='all')
    parser.add_argument('--images', nargs=2, default=None,
                        help='the two JPEG files of whole_forward.pt (default: matplotlib\'s '
                             'sample grace_hopper.jpg, 512 x 600, and scikit-learn\'s china.jpg)')
    args = parser.parse_args(argv)
    if not osp.isfile(osp.join(args.checkout, 'code', 'losses.py')):
        parser.error(f'{args.checkout} is not a checkout of the official repository '
                     '(no code/losses.py)')
    if args.which in ('all', 'whole_forward'):
        images = args.images
        if images is None:
            import matplotlib
            import sklearn.datasets
            images = (osp.join(matplotlib.get_data_path(), 'sample_data', 'grace_hopper.jpg'),
                      osp.join(osp.dirname(sklearn.datasets.__file__), 'images', 'china.jpg'))
        print(f'wrote {whole_forward(args.checkout, images, args.out)}')
    if args.which == 'whole_forward':
        return 0
    sys.path.insert(0, osp.join(osp.abspath(args.checkout), 'code'))
    import torch
    with cuda_calls_on_cpu():
        from losses import Proxy_Anchor  # the official class
    cases = []
    for num_classes, dim, batch, labels, alpha, margin, seed in CASES:
        gen = torch.Generator().manual_seed(seed)
        x = 3 * torch.randn(batch, dim, generator=gen)      # not normalised: the loss does it
        y = (torch.randint(num_classes, (batch,), generator=gen) if labels is None
             else torch.tensor(labels))
        proxies = torch.randn(num_classes, dim, generator=gen)
        with cuda_calls_on_cpu():
            criterion = Proxy_Anchor(nb_classes=num_classes, sz_embed=dim, mrg=margin,
                                     alpha=alpha)
            with torch.no_grad():
                criterion.proxies.copy_(proxies)
            xg = x.clone().requires_grad_(True)
            loss = criterion(xg, y)
        loss.backward()
        cases.append(dict(num_classes=num_classes, alpha=alpha, margin=margin,
                          embeddings=x, labels=y, proxies=proxies, loss=loss.detach(),
                          grad_embeddings=xg.grad.clone(),
                          grad_proxies=criterion.proxies.grad.clone()))
    path = osp.join(args.out, 'proxy_anchor_loss.pt')
    torch.save(dict(cases=cases), path)
    print(f'wrote {path} ({len(cases)} cases)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
