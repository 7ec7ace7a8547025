"""Regenerate the golden files of psa from a checkout of the official repository.

    python packages/psa/tests/golden/make_golden.py /path/to/official/checkout [--out DIR]

Our harness only: it imports the official modules from the checkout (``sys.path``), patches
CUDA-only calls at run time (never edits a file), fills them with :func:`psa.testing.fill`,
seeds, runs and saves inputs and outputs (see PROVENANCE.md for what each file holds).
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
import tempfile

from cvshared.harness import cuda_calls_on_cpu

HERE = osp.dirname(osp.abspath(__file__))
IMG_SIZE = (64, 80)  # -> 8 x 10 stride-8 grid: 34 directions x 12 sources


def _filled(net):
    from psa.testing import fill, shapes_of
    sd = net.state_dict()
    sd.update(fill(shapes_of(sd)))
    net.load_state_dict(sd)
    net.eval()  # the official train() returns None
    return net


def whole_forward(out_dir):
    """Official CAM net (``forward`` logits, ``forward_cam``) and AffinityNet (``forward``,
    ``forward(to_dense=True)``) on one raw image, then the dense random walk of
    ``infer_aff.py`` (alpha 16, beta 8, logt 8) on that dense matrix."""
    import network.resnet38_aff
    import network.resnet38_cls
    import numpy as np
    import torch
    import torch.nn.functional as F
    from tool import imutils
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, IMG_SIZE + (3,), dtype=np.uint8)
    cls_net = _filled(network.resnet38_cls.Net())
    x = torch.from_numpy(imutils.HWC_to_CHW(cls_net.normalize(img)))[None]
    with torch.no_grad():
        logits = cls_net(x)
        cam = cls_net.forward_cam(x)
    del cls_net
    aff_net = _filled(network.resnet38_aff.Net())
    with torch.no_grad():
        aff = aff_net(x)
        dense = aff_net(x, to_dense=True)
    del aff_net
    # infer_aff.py's steps on a CAM dict of two classes (keys 3 and 11)
    h, w = IMG_SIZE
    cams = rng.random((2, h, w)).astype(np.float32)
    cams /= cams.max(axis=(1, 2), keepdims=True)
    full = np.zeros((21, h, w), np.float32)
    full[[4, 12]] = cams
    full[0] = (1 - np.max(full[1:], 0)) ** 16
    trans = torch.pow(dense, 8)
    trans = trans / torch.sum(trans, dim=0, keepdim=True)
    for _ in range(8):
        trans = torch.matmul(trans, trans)
    vec = F.avg_pool2d(torch.from_numpy(full), 8, 8).view(21, -1)
    rw = torch.matmul(vec, trans).view(1, 21, h // 8, w // 8)
    rw = torch.nn.Upsample((h, w), mode='bilinear')(rw)
    label = torch.max(rw, 1)[1][0]
    torch.save(dict(img=torch.from_numpy(img), logits=logits, cam=cam, aff=aff, dense=dense,
                    rw_keys=torch.tensor([3, 11]), rw_cams=torch.from_numpy(cams),
                    cam_rw=rw[0], rw_label=label), osp.join(out_dir, 'whole_forward.pt'))


def affinity_labels(out_dir):
    """Official ``imutils.crf_inference`` on ``[(1 - max)^alpha, CAMs]`` (alpha 4 and 32, as
    ``_crf_with_alpha``) and ``VOC12AffDataset.__getitem__`` (AvgPool2d(8), the label rule,
    ``ExtractAffinityLabelInRadius``) on those score maps, written as official .npy files."""
    import numpy as np
    import torch
    import voc12.data
    from PIL import Image
    from tool import imutils
    rng = np.random.default_rng(1)
    size = 96
    yy, xx = np.mgrid[:size, :size]
    img = rng.integers(0, 96, (size, size, 3)).astype(np.uint8)
    img[np.hypot(yy - 30, xx - 30) < 16] += np.uint8(150)
    img[np.hypot(yy - 66, xx - 70) < 13] += np.uint8(120)
    cam_a = np.clip(2 * (1 - np.hypot(yy - 30, xx - 30) / 30), 0, 1)
    cam_b = np.clip(2 * (1 - np.hypot(yy - 66, xx - 70) / 26), 0, 1)
    cams = np.stack([cam_a, cam_b]).astype(np.float32) + 0.05 * rng.random((2, size, size),
                                                                           dtype=np.float32)
    cams /= cams.max(axis=(1, 2), keepdims=True)
    keys = (6, 14)
    out = dict(img=torch.from_numpy(img), keys=torch.tensor(keys), cams=torch.from_numpy(cams))
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(osp.join(tmp, 'JPEGImages'))
        Image.fromarray(img).save(osp.join(tmp, 'JPEGImages', '2007_000001.jpg'), quality=100)
        with open(osp.join(tmp, 'list.txt'), 'w') as f:
            f.write('/JPEGImages/2007_000001.jpg\n')
        for tag, alpha in (('la', 4), ('ha', 32)):
            bg = np.power(1 - np.max(cams, axis=0, keepdims=True), alpha)
            score = np.concatenate((bg, cams), axis=0)
            crf = imutils.crf_inference(img, score, labels=3)
            # the crop padding of the official loader: a zero band at the bottom
            crf[:, 88:] = 0
            out[f'crf_{tag}'] = torch.from_numpy(np.ascontiguousarray(crf))
            d = {0: crf[0], keys[0] + 1: crf[1], keys[1] + 1: crf[2]}
            os.makedirs(osp.join(tmp, tag), exist_ok=True)
            np.save(osp.join(tmp, tag, '2007_000001.npy'), d)
        ds = voc12.data.VOC12AffDataset(
            osp.join(tmp, 'list.txt'), label_la_dir=osp.join(tmp, 'la'),
            label_ha_dir=osp.join(tmp, 'ha'), cropsize=size, voc12_root=tmp, radius=5,
            joint_transform_list=[None], img_transform_list=[np.asarray],
            label_transform_list=[imutils.AvgPool2d(8)])
        _, (bg_pos, fg_pos, neg) = ds[0]
    out.update(bg_pos=bg_pos, fg_pos=fg_pos, neg=neg)
    torch.save(out, osp.join(out_dir, 'affinity_labels.pt'))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    if not osp.isdir(osp.join(args.checkout, 'network')):
        parser.error(f'{args.checkout} is not a checkout of the official repository')
    sys.path.insert(0, osp.abspath(args.checkout))
    import numpy as np
    import torch
    if not hasattr(np.ndarray, 'item'):
        raise RuntimeError('numpy too old')
    # np.load(...).item() of the official loader needs allow_pickle (numpy >= 1.16.3)
    _load = np.load
    np.load = lambda *a, **k: _load(*a, **{**k, 'allow_pickle': True})
    torch.manual_seed(0)
    os.makedirs(args.out, exist_ok=True)
    try:
        with cuda_calls_on_cpu():
            whole_forward(args.out)
            affinity_labels(args.out)
    finally:
        np.load = _load
    return 0


if __name__ == '__main__':
    sys.exit(main())
