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
  noise, 3 x 37 x 45) and random logits at a quarter of its size (5 classes);
* the probes: ``utils/layer_utils.py::ClusterLookup(dim=8, n_classes=5)`` (centres from
  ``torch.manual_seed(SEED)``) on a random code ``2 x 8 x 6 x 7`` with ``alpha=None`` (loss
  and probabilities, and the centres' gradient of the loss), ``alpha=2`` and ``alpha=2,
  log_probs=True``; ``loss.py::LinearLoss`` on random logits ``2 x 5 x 6 x 7`` and labels
  ``2 x 13 x 15`` with -1 and 255 pixels (loss and the logits' gradient).

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


def probe_cases(checkout):
    sys.modules.setdefault('torch.distributed', torch.distributed)
    from loss import LinearLoss
    from utils.layer_utils import ClusterLookup
    torch.manual_seed(SEED)
    probe = ClusterLookup(8, 5)
    g = torch.Generator().manual_seed(SEED + 2)
    code = torch.randn(2, 8, 6, 7, generator=g)
    out = dict(clusters=probe.clusters.detach().clone(), code=code)
    loss, probs = probe(code, None)
    loss.backward()
    out.update(loss_none=loss.detach(), probs_none=probs.detach(),
               grad_clusters=probe.clusters.grad.clone())
    loss2, probs2 = probe(code, 2)
    out.update(loss_2=loss2.detach(), probs_2=probs2.detach())
    out['log_probs_2'] = probe(code, 2, log_probs=True)[1].detach()
    logits = torch.randn(2, 5, 6, 7, generator=g, requires_grad=True)
    label = torch.randint(0, 5, (2, 13, 15), generator=g)
    label[torch.rand(label.shape, generator=g) < 0.1] = 255
    label[0, :3] = -1
    lin = LinearLoss(None)(logits, label, 5)
    lin.backward()
    out.update(lin_logits=logits.detach(), lin_label=label, lin_loss=lin.detach(),
               lin_grad=logits.grad.clone())
    return out


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
        out['probes'] = probe_cases(args.checkout)
    torch.save(out, args.out)
    print({k: v for k, v in out['metric'].items() if k in ('cluster', 'linear')})


if __name__ == '__main__':
    main()
