"""Regenerate shared/tests/data/useg/golden.pt (metric and CRF of STEGO / HP / PPAP) from the
official code.

    python shared/tests/data/useg/make_golden_useg.py HP_CHECKOUT [--out FILE]

HP_CHECKOUT: a checkout of github.com/hynnsk/HP at the commit of PROVENANCE.md (PPAP's
``utils/seg_utils.py`` has the same ``UnsupervisedMetrics`` and ``dense_crf``). Our harness
only (no official code): it imports the official ``utils/seg_utils.py`` and calls, unedited,

* ``UnsupervisedMetrics(prefix, n_classes, 0, compute_hungarian)`` -- ``update`` over three
  batches of random cluster predictions (a noisy permutation of the labels, so the matching is
  not the identity) and labels with ignored pixels (-1, 255), then ``compute``; for the cluster
  probe (``compute_hungarian=True``) and the linear probe (False);
* ``dense_crf(image_tensor, output_logits)`` on a normalised random image (smooth blocks +
  noise, 3 x 37 x 45) and random logits at a quarter of its size (5 classes).

Run-time patches (no file is edited): a stub ``torchmetrics`` module whose ``Metric`` is a
plain base class (the official class uses nothing of it but ``__init__``), and
``torch.zeros(..., device="cuda")`` -> CPU while the metric is built.
"""
import argparse
import contextlib
import os.path as osp
import sys
import types

import numpy as np
import torch

SEED = 0
N_CLASSES = 6


class _Metric:
    def __init__(self, *args, **kwargs):
        pass


@contextlib.contextmanager
def _official(checkout):
    sys.modules.setdefault('torchmetrics', types.SimpleNamespace(Metric=_Metric))
    sys.path.insert(0, checkout)
    zeros = torch.zeros

    def cpu_zeros(*args, **kwargs):
        kwargs.pop('device', None)
        return zeros(*args, **kwargs)

    torch.zeros = cpu_zeros
    try:
        from utils import seg_utils
        yield seg_utils
    finally:
        torch.zeros = zeros
        sys.path.remove(checkout)


def metric_batches():
    g = torch.Generator().manual_seed(SEED)
    perm = torch.randperm(N_CLASSES, generator=g)
    batches = []
    for _ in range(3):
        target = torch.randint(0, N_CLASSES, (2, 21, 23), generator=g)
        pred = perm[target]
        noise = torch.rand(target.shape, generator=g) < 0.4
        pred[noise] = torch.randint(0, N_CLASSES, (int(noise.sum()),), generator=g)
        target[torch.rand(target.shape, generator=g) < 0.1] = 255
        target[0, 0, :4] = -1
        batches.append((pred.to(torch.int16), target.to(torch.int16)))    # small file
    return batches


def crf_inputs():
    g = torch.Generator().manual_seed(SEED + 1)
    img = torch.rand(3, 4, 5, generator=g)
    img = torch.nn.functional.interpolate(img[None], size=(37, 45), mode='nearest')[0]
    img = (img + 0.08 * torch.randn(img.shape, generator=g)).clamp(0, 1)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
    logits = 2 * torch.randn(5, 10, 12, generator=g)
    return (img - mean) / std, logits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('checkout')
    ap.add_argument('--out', default=osp.join(osp.dirname(osp.abspath(__file__)), 'golden.pt'))
    args = ap.parse_args()
    out = dict(metric=dict(batches=metric_batches(), n_classes=N_CLASSES))
    with _official(osp.abspath(args.checkout)) as su:
        for name, hungarian in (('cluster', True), ('linear', False)):
            m = su.UnsupervisedMetrics(name + '_', N_CLASSES, 0, hungarian)
            for pred, target in out['metric']['batches']:
                m.update(pred.long(), target.long())
            out['metric'][name] = m.compute()
        image, logits = crf_inputs()
        out['crf'] = dict(image=image, logits=logits,
                          q=torch.from_numpy(np.asarray(su.dense_crf(image, logits))))
    torch.save(out, args.out)
    print({k: v for k, v in out['metric'].items() if k in ('cluster', 'linear')})


if __name__ == '__main__':
    main()
