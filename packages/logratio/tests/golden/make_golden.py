"""Regenerate the golden files of logratio from a checkout of the official repository.

    python packages/logratio/tests/golden/make_golden.py /path/to/official/checkout [--out DIR]

Our harness only: it imports the official modules from ``<checkout>/code`` (``sys.path``),
patches CUDA-only calls and the unused ``torchfile`` import at run time (never edits a file),
seeds, runs and saves inputs and outputs. It contains no official code. What each file holds
and which official function made it: PROVENANCE.md.
"""
from __future__ import annotations

import argparse
import io
import os.path as osp
import sys
import tempfile
import types

from cvshared.harness import cuda_calls_on_cpu

HERE = osp.dirname(osp.abspath(__file__))


def official_modules(checkout: str):
    sys.path.insert(0, osp.join(osp.abspath(checkout), 'code'))
    sys.modules.setdefault('torchfile', types.ModuleType('torchfile'))  # imported, never used
    import Dense_PairDataset
    import Dense_TripletLoss
    import LogRatioLoss
    import model
    import Naive_TripletLoss
    import utils
    return types.SimpleNamespace(LogRatioLoss=LogRatioLoss.LogRatioLoss,
                                 Dense_TripletLoss=Dense_TripletLoss.Dense_TripletLoss,
                                 Naive_TripletLoss=Naive_TripletLoss.Naive_TripletLoss,
                                 Dense_PairDataset=Dense_PairDataset.Dense_PairDataset,
                                 eval_retrieval=utils.eval_retrieval,
                                 PoseModel_Resnet34=model.PoseModel_Resnet34)


def losses(off, out: str) -> None:
    """The three official losses at the official batch (M = 149 neighbours, d = 128), value
    and gradient w.r.t. the embedding."""
    import torch
    torch.manual_seed(0)
    embed = torch.randn(150, 128)
    gt = torch.sort(torch.rand(149) * 50 + 0.5).values
    normed = embed / embed.norm(dim=1, keepdim=True)
    record = dict(embed=embed, gt_dist=gt)
    for name, fn, x in (('logratio', lambda e: off.LogRatioLoss().forward(e, gt), embed),
                        ('dense_triplet', lambda e: off.Dense_TripletLoss().forward(e, gt),
                         normed)):
        x = x.clone().requires_grad_(True)
        loss = fn(x)
        loss.backward()
        record[name] = dict(loss=loss.detach(), grad=x.grad.clone())
    # binary: the official naive_train builds every (positive, negative) triplet of the batch
    x = normed.clone().requires_grad_(True)
    num_pos, num_neg = 5, 150 - 5 - 1
    triplets = torch.stack([x[0].expand(num_pos * num_neg, -1),
                            x[1:1 + num_pos].repeat_interleave(num_neg, 0),
                            x[1 + num_pos:].repeat(num_pos, 1)])
    loss = off.Naive_TripletLoss().forward(triplets)
    loss.backward()
    record['binary_triplet'] = dict(loss=loss.detach(), grad=x.grad.clone())
    record['normed'] = normed
    torch.save(record, osp.join(out, 'losses.pt'))


def mining(off, out: str) -> None:
    """``Dense_PairDataset.generate_pairs`` on seeded neighbour lists of 60 images (batch 20,
    num-NN 5), ``np.random.seed(3)``."""
    import numpy as np
    import torch
    rng = np.random.RandomState(0)
    n, batch, k = 60, 20, 5
    dist = rng.rand(n, n) * 10
    dist = dist + dist.T
    np.fill_diagonal(dist, np.inf)
    list_nn = np.argsort(dist, 1, kind='stable')[:, :n - 1]
    dist_nn = np.take_along_axis(dist, list_nn, 1)
    imgs = [(f'img{i:03d}', 0) for i in range(n)]  # ImageFolder's (path, class) of split 0
    fake = types.SimpleNamespace(num_NN=k, batch_size=batch,
                                 list_nn={'trn': list_nn, 'val': list_nn},
                                 dist_nn={'trn': dist_nn, 'val': dist_nn})
    np.random.seed(3)
    pairs, dist_pairs = off.Dense_PairDataset.generate_pairs(fake, True, imgs)
    members = torch.tensor([[int(p[3:]) for p in pair] for pair in pairs])
    torch.save(dict(list_nn=torch.from_numpy(list_nn), dist_nn=torch.from_numpy(dist_nn),
                    num_nn=k, batch_size=batch, seed=3, members=members,
                    dist_pairs=torch.from_numpy(np.stack(dist_pairs))),
               osp.join(out, 'mining.pt'))


def evaluation(off, out: str) -> None:
    """``utils.eval_retrieval`` (1,919 queries hard-coded) on 2,069 test items: label distance
    = Euclidean distance of random 6-d 'poses' (x 20), random 16-d embeddings correlated
    with the poses."""
    import numpy as np
    import torch
    from scipy.io import savemat
    torch.manual_seed(1)
    n = 1919 + 150
    poses = torch.rand(n, 6, dtype=torch.float64)
    embed = torch.cat([poses, torch.zeros(n, 10, dtype=torch.float64)], 1) @ torch.randn(
        16, 16, dtype=torch.float64) + 0.3 * torch.randn(n, 16, dtype=torch.float64)
    label = (torch.cdist(poses, poses) * 20).numpy()
    with tempfile.TemporaryDirectory() as tmp:
        savemat(osp.join(tmp, 'dist_pose_val.mat'), {'dist_pose_val': label})
        mean_distance, ndcg = off.eval_retrieval(tmp, embed.clone(), n)
    torch.save(dict(poses=poses, embed=embed, scale=20.0,
                    mean_distance=torch.from_numpy(np.asarray(mean_distance, np.float64)),
                    ndcg=torch.from_numpy(np.asarray(ndcg, np.float64))),
               osp.join(out, 'evaluation.pt'))


def seeded_state_dict(shapes: dict, seed: int = 2) -> dict:
    """Deterministic weights for ``{name: shape}`` of a ResNet + fc (torch CPU generator, one
    stream per parameter in name order): conv / linear weights N(0, 2 / fan_in), BN scales
    U(0.5, 1.5), biases and running means U(-0.2, 0.2), running variances U(0.5, 1.5), so
    every BN matters. Both this harness and ``test_golden.py`` call it: the golden file
    stores the recipe, not 87 MB of ResNet-34 weights."""
    import math

    import torch
    out = {}
    for i, name in enumerate(sorted(shapes)):
        shape = tuple(shapes[name])
        g = torch.Generator().manual_seed(seed * 100003 + i)
        leaf = name.rsplit('.', 1)[-1]
        if leaf == 'num_batches_tracked':
            out[name] = torch.zeros(shape, dtype=torch.long)
        elif leaf == 'weight' and len(shape) > 1:
            fan_in = math.prod(shape[1:])
            out[name] = torch.randn(shape, generator=g) * math.sqrt(2.0 / fan_in)
        elif leaf in ('weight', 'running_var'):
            out[name] = torch.rand(shape, generator=g) + 0.5
        else:  # bias, running_mean
            out[name] = torch.rand(shape, generator=g) * 0.4 - 0.2
    return out


def whole_forward(off, out: str) -> None:
    """From raw 288 x 288 JPEG files (random pixels, PIL quality 90) through the official
    eval transform (BGR, centre crop at 33, caffe mean, x 255) and ``PoseModel_Resnet34``
    (weights of :func:`seeded_state_dict`) to the 128-d embedding, in eval mode."""
    import numpy as np
    import torch
    import torchvision.transforms as T
    import transformation  # official transforms, from the checkout
    from PIL import Image
    model = off.PoseModel_Resnet34(embedding_size=128, pretrained=False, is_norm=False)
    shapes = {k: list(v.shape) for k, v in model.state_dict().items()}
    model.load_state_dict(seeded_state_dict(shapes), strict=True)
    model.eval()
    rng = np.random.RandomState(2)
    images = rng.randint(0, 256, (2, 288, 288, 3)).astype(np.uint8)
    mean = [103.939 / 255.0, 116.779 / 255.0, 123.68 / 255.0]
    tf = T.Compose([transformation.ConvertBGR(), transformation.CenterTranslation(224),
                    T.ToTensor(), T.Normalize(mean=mean, std=3 * [1.0 / 255.0])])
    jpegs = []
    for im in images:  # the released images are JPEG files, read by ImageFolder's PIL loader
        buf = io.BytesIO()
        Image.fromarray(im).save(buf, format='JPEG', quality=90)
        jpegs.append(buf.getvalue())
    x = torch.stack([tf(Image.open(io.BytesIO(b)).convert('RGB')) for b in jpegs])
    with torch.no_grad():
        _, embed = model(x)
    torch.save(dict(jpeg_bytes=[torch.frombuffer(bytearray(b), dtype=torch.uint8) for b in jpegs],
                    shapes=shapes, seed=2, embed=embed), osp.join(out, 'whole_forward.pt'))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    if not osp.isdir(osp.join(args.checkout, 'code')):
        parser.error(f'{args.checkout} is not a checkout of the official repository '
                     f'(no code/ folder)')
    with cuda_calls_on_cpu():
        off = official_modules(args.checkout)
        losses(off, args.out)
        mining(off, args.out)
        evaluation(off, args.out)
        whole_forward(off, args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
