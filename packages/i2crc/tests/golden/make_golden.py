"""Regenerate the golden files of i2crc from a checkout of the official repository.

    python packages/i2crc/tests/golden/make_golden.py /path/to/I2CRC [--out DIR]

Our harness only: it imports the official classifier (``classification/models/vgg.py``) from the
checkout (``sys.path``), fills it with ``i2crc.testing.fill`` weights, and runs the official
``gen_gt.py`` / ``label_refinement.py`` scripts as subprocesses in a temporary folder laid out as
they expect (``data/train_cls.txt``, ``data/saliency_aug/``, ``runs/exp1/attention/``,
``pseudo_labels/``; the absolute ``seg_path`` of ``label_refinement.py`` is replaced in the
source text it runs, never in the file). ``.cuda()`` is the identity while official code runs.
It contains no official code. Writes:

* ``whole_forward.pt``: ``VGG.forward`` on ``golden_inputs()`` (training branch, ``index=0``):
  logits, the CAM (``get_heatmaps``), ``center_loss1`` / ``center_loss2`` / the distance loss;
  the gradient of the official total loss w.r.t. the CAM logits (``centerLoss`` on a leaf);
  the CAM maps of every image class (``i2crc.labels.cam_maps``, the steps of ``test.py``)
  and the official ``gen_gt.py`` label of the first image from those maps and its saliency.
* ``labels.pt``: official ``gen_gt.py`` and ``label_refinement.py`` outputs on small
  hand-made arrays that hit every rule.
* ``deeplab.pt``: the official ``segmentation/libs/models/msc.py::MSC`` (scales 0.5, 0.75)
  around a small seeded conv net (train: the four outputs; eval: the max), and the official
  CRF step of ``trainaug_pred.py crf``: the image through the official dataset's
  ``__getitem__`` (``_BaseDataset``, its ``_load_data`` replaced by one returning our array),
  the logits resized and softmaxed as there, ``libs/utils/crf.py::DenseCRF`` with the
  ``configs/voc12.yaml`` CRF values, argmax.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import os.path as osp
import subprocess
import sys
import tempfile

HERE = osp.dirname(osp.abspath(__file__))


@contextlib.contextmanager
def cpu_only():
    """``.cuda()`` becomes the identity while the official code runs."""
    import torch
    saved = torch.Tensor.cuda, torch.nn.Module.cuda
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.nn.Module.cuda = lambda self, *a, **k: self
    try:
        yield
    finally:
        torch.Tensor.cuda, torch.nn.Module.cuda = saved


def _write_png(path, arr):
    import cv2
    os.makedirs(osp.dirname(path), exist_ok=True)
    cv2.imwrite(path, arr)


def run_gen_gt(checkout: str, cases: list) -> list:
    """``cases``: ``(sal uint8 HxW, {c: uint8 HxW})``; the official labels (uint8 HxW)."""
    import numpy as np
    from PIL import Image
    with tempfile.TemporaryDirectory() as tmp:
        lines = []
        for i, (sal, maps) in enumerate(cases):
            name = f'img{i}'
            _write_png(osp.join(tmp, 'data', 'saliency_aug', name + '.png'), sal)
            for c, m in maps.items():
                _write_png(osp.join(tmp, 'runs', 'exp1', 'attention', f'{name}_{c}.png'), m)
            lines.append(' '.join([name] + [str(c) for c in maps]) + '\n')
        with open(osp.join(tmp, 'data', 'train_cls.txt'), 'w') as f:
            f.writelines(lines)
        subprocess.run([sys.executable, osp.join(checkout, 'classification', 'gen_gt.py')],
                       cwd=tmp, check=True)
        return [np.asarray(Image.open(osp.join(tmp, 'pseudo_labels', f'img{i}.png')))
                for i in range(len(cases))]


def run_label_refinement(checkout: str, cases: list) -> list:
    """``cases``: ``(pred HxW, init HxW, classes)``; the official refined labels."""
    import numpy as np
    from PIL import Image
    src_path = osp.join(checkout, 'classification', 'label_refinement.py')
    with open(src_path) as f:
        source = f.read()
    with tempfile.TemporaryDirectory() as tmp:
        seg = osp.join(tmp, 'pred') + '/'
        marker = "seg_path = '"
        start = source.index(marker)
        end = source.index("'", start + len(marker))
        source = source[:start] + f'seg_path = {seg!r}' + source[end + 1:]
        os.makedirs(osp.join(tmp, 'data'))
        os.makedirs(osp.join(tmp, 'pseudo_labels'))
        os.makedirs(seg)
        lines = []
        for i, (pred, init, classes) in enumerate(cases):
            Image.fromarray(pred.astype(np.uint8)).save(osp.join(seg, f'img{i}.png'))
            Image.fromarray(init.astype(np.uint8)).save(
                osp.join(tmp, 'pseudo_labels', f'img{i}.png'))
            lines.append(' '.join([f'img{i}'] + [str(c) for c in classes]) + '\n')
        with open(osp.join(tmp, 'data', 'train_cls.txt'), 'w') as f:
            f.writelines(lines)
        subprocess.run([sys.executable, '-c', source], cwd=tmp, check=True)
        return [np.asarray(Image.open(osp.join(tmp, 'refined_labels', f'img{i}.png')))
                for i in range(len(cases))]


def label_cases():
    """Small arrays hitting every rule of gen_gt / label_refinement (see test_golden.py)."""
    import numpy as np
    rng = np.random.default_rng(3)
    h, w = 24, 32
    yy, xx = np.mgrid[:h, :w]
    sal = np.zeros((h, w), np.uint8)
    sal[4:20, 4:28] = 250
    sal[4:20, 2:4] = 40                          # weak saliency: bg labelled -> ignore
    blob_a = np.exp(-((yy - 12) ** 2 + (xx - 9) ** 2) / 30.0)
    blob_b = np.exp(-((yy - 12) ** 2 + (xx - 22) ** 2) / 30.0)
    a = np.clip(255 * blob_a + rng.normal(0, 4, (h, w)) + 10, 0, 255).astype(np.uint8)
    b = np.clip(255 * blob_b + rng.normal(0, 4, (h, w)) + 10, 0, 255).astype(np.uint8)
    b[10:14, 12:18] = 255                        # overlaps a's high part: conflicts
    a[10:14, 12:18] = 255
    tiny = np.zeros((h, w), np.uint8)
    tiny[0, 0] = 255                             # one object pixel: the 1 % rule
    gen = [(sal, {4: a, 11: b}),
           (sal, {7: a}),
           (np.zeros((h, w), np.uint8), {2: tiny})]
    pred = np.zeros((h, w), np.uint8)
    pred[4:20, 4:14] = 5
    pred[4:20, 14:28] = 12
    pred[0:3, 0:5] = 9                           # a class not in the label
    init = np.zeros((h, w), np.uint8)
    init[6:18, 4:10] = 5
    init[2:4, 20:30] = 12
    init[2:4, 10:20] = 255
    pred_missing = pred.copy()
    pred_missing[pred_missing == 12] = 0
    ref = [(pred, init, [4, 11]),                # multi-class: bg takes init
           (pred, init, [4]),                    # single class: 12 -> 255, no bg fill
           (pred_missing, init, [4, 11]),        # 12 predicted nowhere after fill? -> bg 255
           (np.zeros((h, w), np.uint8), init, [4])]
    return gen, ref


def msc_base():
    """The small seeded base net of the MSC golden (also built by test_golden.py)."""
    import torch
    torch.manual_seed(1)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, stride=2, padding=1), torch.nn.ReLU(),
                               torch.nn.Conv2d(8, 5, 3, stride=2, padding=1))


def run_deeplab(checkout: str) -> dict:
    import numpy as np
    import torch
    import torch.nn.functional as F
    sys.path.insert(0, osp.join(checkout, 'segmentation'))
    from libs.datasets.base import _BaseDataset  # official, from the checkout
    from libs.models.msc import MSC
    from libs.utils.crf import DenseCRF
    base = msc_base()
    x = torch.randn(2, 3, 33, 41, generator=torch.Generator().manual_seed(2))
    msc = MSC(base, scales=[0.5, 0.75])
    with torch.no_grad():
        msc.train()
        train_out = [o.clone() for o in msc(x)]
        msc.eval()
        eval_out = msc(x)
    # the CRF step
    rng = np.random.default_rng(4)
    h, w = 20, 24
    img = np.zeros((h, w, 3), np.uint8)
    img[:, : w // 2] = (30, 200, 90)
    img[:, w // 2:] = (220, 40, 160)
    img = np.clip(img + rng.normal(0, 10, img.shape), 0, 255).astype(np.uint8)
    logits = torch.randn(3, 5, 6, generator=torch.Generator().manual_seed(5))
    ds = object.__new__(_BaseDataset)
    ds.mean_bgr = np.array((104.008, 116.669, 122.675))
    ds.augment = False
    ds._load_data = lambda index: ('img', img[..., ::-1].astype(np.float32),
                                   np.zeros((h, w), np.int64))
    _, image, _ = ds.__getitem__(0)
    prob = F.softmax(F.interpolate(logits[None], size=(h, w), mode='bilinear',
                                   align_corners=False), dim=1)[0].numpy()
    crf = DenseCRF(iter_max=10, pos_w=3, pos_xy_std=1, bi_w=4, bi_xy_std=67, bi_rgb_std=3)
    label = np.argmax(crf(image.astype(np.uint8).transpose(1, 2, 0), prob), axis=0)
    return dict(x=x, train_out=train_out, eval_out=eval_out, crf_img=torch.from_numpy(img),
                crf_logits=logits, crf_label=torch.from_numpy(label.astype(np.uint8)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    vgg_py = osp.join(args.checkout, 'classification', 'models', 'vgg.py')
    if not osp.isfile(vgg_py):
        parser.error(f'{args.checkout} is not a checkout of the official repository '
                     f'({vgg_py} not found)')
    checkout = osp.abspath(args.checkout)
    sys.path.insert(0, osp.join(checkout, 'classification'))
    import numpy as np
    import torch
    import torch.nn.functional as F
    from i2crc.labels import cam_maps
    from i2crc.testing import fill, golden_inputs, shapes_of
    from models import vgg  # the official module, from the checkout

    torch.manual_seed(0)
    inp = golden_inputs()
    with cpu_only(), tempfile.TemporaryDirectory() as tmp:
        model = vgg.VGG(vgg.make_layers(vgg.cfg['D1']), att_dir=osp.join(tmp, 'runs') + '/')
        sd = fill(shapes_of(model.state_dict()))
        model.load_state_dict(sd, strict=True)
        model.train()  # no dropout / BN: train and eval are the same forward
        logits, l_fg, l_bg, l_dist = model(inp['img'], inp['sal'], 0, inp['labels'], 0)
        cam = model.get_heatmaps().detach()
        # the gradient of the official total relation loss w.r.t. the CAM logits
        x = cam.clone().requires_grad_(True)
        single = torch.nonzero(inp['labels'].sum(1) == 1).squeeze(1)
        xs, ss, ys = x[single], inp['sal'][single], inp['labels'][single]
        c1_loss, c1 = model.centerLoss(xs, ss)
        c2_loss, c2 = model.centerLoss(xs, 1 - ss)
        total = (F.multilabel_soft_margin_loss(x.mean((2, 3)), inp['labels'])
                 + 0.01 * c1_loss + 0.025 * c2_loss + 0.1 * ((c2 - c1) * ys).mean())
        total.backward()
    h, w = inp['img'].shape[-2:]
    maps = [cam_maps(c.numpy(), lab.numpy(), (h, w)) for c, lab in zip(cam, inp['labels'])]
    sal0 = np.clip(np.rint(inp['sal'][0].numpy() * 255), 0, 255).astype(np.uint8)
    chain_label = run_gen_gt(checkout, [(sal0, maps[0])])[0]
    torch.save(dict(inputs=inp, logits=logits.detach(), cam=cam, loss_fg=l_fg.detach(),
                    loss_bg=l_bg.detach(), loss_dist=l_dist.detach(), loss_total=total.detach(),
                    grad_cam=x.grad.detach(), sal0=torch.from_numpy(sal0),
                    chain_label=torch.from_numpy(chain_label.copy())),
               osp.join(args.out, 'whole_forward.pt'))
    gen, ref = label_cases()
    gen_out = run_gen_gt(checkout, gen)
    ref_out = run_label_refinement(checkout, ref)
    torch.save(dict(gen_gt=[torch.from_numpy(o.copy()) for o in gen_out],
                    label_refinement=[torch.from_numpy(o.copy()) for o in ref_out]),
               osp.join(args.out, 'labels.pt'))
    torch.save(run_deeplab(checkout), osp.join(args.out, 'deeplab.pt'))
    print('wrote whole_forward.pt, labels.pt and deeplab.pt to', args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
