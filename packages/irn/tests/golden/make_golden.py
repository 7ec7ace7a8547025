"""Regenerate the golden files of irn from a checkout of the official repository.

    python packages/irn/tests/golden/make_golden.py /path/to/official/checkout [--out DIR]

Our harness only: it imports the official modules from the checkout (``sys.path``), patches
at run time (never edits a file): ``.cuda()`` -> identity, ``net.resnet50.resnet50`` ->
``pretrained=False`` (no download), ``np.bool`` -> ``bool`` (removed from NumPy), the PNG
writer of ``step/cam_to_ir_label.py`` -> an in-memory capture.  It seeds, runs and saves
inputs, weights and outputs.  It contains no official code (see PROVENANCE.md).
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
import tempfile
import types

from cvshared.harness import cuda_calls_on_cpu

HERE = osp.dirname(osp.abspath(__file__))
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


CAM_SEED, IRN_SEED = 2, 5
MEAN_SHIFT = (0.3, -0.2)
# gradients kept (small tensors of both branches, first and last layers)
GRAD_KEYS = ('fc_edge1.0.weight', 'fc_edge1.1.weight', 'fc_edge6.weight', 'fc_edge6.bias',
             'fc_dp1.0.weight', 'fc_dp7.3.weight')


def cam_model():
    from irn.models import IrnCAMNet
    return IrnCAMNet()


def irn_model():
    from irn.models import IrnNet
    return IrnNet()


def load_ours(official, ours, seed: int) -> None:
    """Fill ours with :func:`irn.testing.golden_fill` and load it into the official module;
    only the official aliases / constant buffers may be left out."""
    import torch
    from irn.convert import to_official
    from irn.testing import golden_fill
    golden_fill(ours, seed)
    if hasattr(ours, 'mean_shift'):
        ours.mean_shift.running_mean.copy_(torch.tensor(MEAN_SHIFT))
    missing, unexpected = official.load_state_dict(to_official(ours.state_dict()), strict=False)
    assert not unexpected, unexpected
    canonical = set(to_official(ours.state_dict()))
    for name in missing:  # aliases share the canonical tensors; check they were filled
        assert not name.startswith(('resnet50.', 'fc_', 'classifier')), name
    sd = official.state_dict()
    for name, value in to_official(ours.state_dict()).items():
        assert torch.equal(sd[name], value), name
    assert canonical


def normalise(img_u8):
    import torch
    x = torch.as_tensor(img_u8).permute(2, 0, 1).float() / 255
    return (x - torch.tensor(MEAN).view(3, 1, 1)) / torch.tensor(STD).view(3, 1, 1)


def smooth_image(rng, h, w):
    import numpy as np
    yy, xx = np.mgrid[:h, :w]
    img = np.zeros((h, w, 3))
    img[..., 0] = 40 + 180 * ((xx - w * 0.3) ** 2 + (yy - h * 0.4) ** 2 < (h * 0.25) ** 2)
    img[..., 1] = 60 + 150 * ((xx > w * 0.6) & (yy > h * 0.5))
    img[..., 2] = 90
    return np.clip(img + rng.normal(0, 8, img.shape), 0, 255).astype(np.uint8)


def golden_cam(out):
    import numpy as np
    import torch
    from net import resnet50_cam
    net = resnet50_cam.CAM()
    load_ours(net, cam_model(), CAM_SEED)
    net.eval()
    img = smooth_image(np.random.default_rng(3), 64, 80)
    x = normalise(img)
    with torch.no_grad():
        cam = net(torch.stack([x, x.flip(-1)]))
        logits = resnet50_cam.Net.forward(net, x[None])
    torch.save(dict(seed=CAM_SEED, image=torch.from_numpy(img), cam=cam, logits=logits),
               osp.join(out, 'cam_forward.pt'))


def golden_irn(out):
    import numpy as np
    import torch
    from misc import indexing
    from net import resnet50_irn
    torch.manual_seed(4)
    size = 96
    path_index = indexing.PathIndex(radius=10, default_size=(size // 4, size // 4))
    net = resnet50_irn.AffinityDisplacementLoss(path_index)
    load_ours(net, irn_model(), IRN_SEED)
    rng = np.random.default_rng(6)
    img = smooth_image(rng, size, size)
    x = normalise(img)[None]
    label = np.zeros((size, size), np.uint8)
    label[10:50, 12:60] = 3
    label[55:90, 40:85] = 7
    label[40:60, 50:70] = 255
    from misc import imutils
    from voc12 import dataloader
    reduced = imutils.pil_rescale(label, 0.25, 0)
    bg, fg, neg = dataloader.GetAffinityLabelFromIndices(path_index.src_indices,
                                                         path_index.dst_indices)(reduced)
    net.train()
    pos_l, neg_l, dp_fg, dp_bg = net(x, True)
    bgp, fgp, negl = bg[None], fg[None], neg[None]
    # the reductions of step/train_irn.py, written as there
    loss_bg = torch.sum(bgp * pos_l) / (torch.sum(bgp) + 1e-5)
    loss_fg = torch.sum(fgp * pos_l) / (torch.sum(fgp) + 1e-5)
    loss_pos = loss_bg / 2 + loss_fg / 2
    loss_neg = torch.sum(negl * neg_l) / (torch.sum(negl) + 1e-5)
    l_dp_fg = torch.sum(dp_fg * fgp.unsqueeze(1)) / (2 * torch.sum(fgp) + 1e-5)
    l_dp_bg = torch.sum(dp_bg * bgp.unsqueeze(1)) / (2 * torch.sum(bgp) + 1e-5)
    total = (loss_pos + loss_neg) / 2 + (l_dp_fg + l_dp_bg) / 2
    total.backward()
    grads = {k: p.grad.clone() for k, p in net.named_parameters() if k in GRAD_KEYS}
    with torch.no_grad():
        edge_train, dp_train = resnet50_irn.Net.forward(net, x)
        ed = resnet50_irn.EdgeDisplacement(crop_size=96)
        ed.load_state_dict(net.state_dict(), strict=False)
        ed.eval()
        xi = normalise(img[:90, :84])
        edge_inf, dp_inf = ed(torch.stack([xi, xi.flip(-1)]))
    torch.save(dict(seed=IRN_SEED, mean_shift=MEAN_SHIFT, image=torch.from_numpy(img),
                    label=torch.from_numpy(label), reduced=torch.from_numpy(np.array(reduced)),
                    bg_pos=bg, fg_pos=fg, neg=neg,
                    edge=edge_train, disp=dp_train,
                    losses=dict(loss_pos_aff=loss_pos.detach(), loss_neg_aff=loss_neg.detach(),
                                loss_dp_fg=l_dp_fg.detach(), loss_dp_bg=l_dp_bg.detach(),
                                loss=total.detach()),
                    grads=grads, infer_crop=96, infer_image=torch.from_numpy(img[:90, :84]),
                    infer_edge=edge_inf, infer_disp=dp_inf),
               osp.join(out, 'irn_forward.pt'))


def golden_ir_label(out):
    import numpy as np
    import torch
    from step import cam_to_ir_label
    rng = np.random.default_rng(7)
    h, w = 40, 48
    img = smooth_image(rng, h, w)
    yy, xx = np.mgrid[:h, :w]
    cams = np.stack([np.exp(-((yy - 16) ** 2 + (xx - 14) ** 2) / 90.),
                     np.exp(-((yy - 28) ** 2 + (xx - 36) ** 2) / 60.)]).astype(np.float32)
    cams = cams / cams.max(axis=(1, 2), keepdims=True)
    keys = np.array([4, 11])
    written = {}
    with tempfile.TemporaryDirectory() as tmp:
        np.save(osp.join(tmp, '2007_000032.npy'), dict(keys=keys, high_res=cams))
        dataset = [[dict(name='2007000032', img=torch.from_numpy(img))]]
        args = types.SimpleNamespace(cam_out_dir=tmp, ir_label_out_dir=tmp, num_workers=2,
                                     conf_fg_thres=0.30, conf_bg_thres=0.05)
        saved = cam_to_ir_label.imageio.imwrite
        cam_to_ir_label.imageio.imwrite = lambda path, arr: written.__setitem__(
            osp.basename(path), np.asarray(arr))
        try:
            cam_to_ir_label._work(0, dataset, args)
        finally:
            cam_to_ir_label.imageio.imwrite = saved
    torch.save(dict(image=torch.from_numpy(img), high_res=torch.from_numpy(cams),
                    keys=torch.from_numpy(keys),
                    ir_label=torch.from_numpy(written['2007_000032.png'])),
               osp.join(out, 'ir_label.pt'))


def golden_instances(out):
    import numpy as np
    import torch
    from step import make_ins_seg_labels as ins
    h, w = 24, 32
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    disp = np.zeros((2, h, w), np.float32)
    centres = [(7.3, 8.6), (15.8, 23.2)]
    owner = (xx < 16)
    for k, (cy, cx) in enumerate(centres):
        m = owner if k == 0 else ~owner
        disp[0][m] = 0.5 * (cy - yy[m])
        disp[1][m] = 0.5 * (cx - xx[m])
    disp += np.random.default_rng(8).normal(0, 0.05, disp.shape).astype(np.float32)
    disp[:, 0, :] += 3.0  # a strip of strong displacement: no seed there
    centroids = ins.find_centroids_with_refinement(disp, iterations=300)
    clusters = ins.cluster_centroids(centroids, disp, thres=2.5)
    score = np.random.default_rng(9).random((3, h, w)).astype(np.float32)
    masks = np.zeros((3, h, w), bool)
    masks[0, 2:8, 2:8] = True
    masks[0, 12:20, 3:6] = True
    masks[1, 0:1, 0:2] = True
    masks[2, 10:22, 10:30] = True
    det = ins.detect_instance(score, masks, np.array([2, 5, 9]), max_fragment_size=5)
    torch.save(dict(disp=torch.from_numpy(disp), centroids=torch.from_numpy(centroids),
                    clusters=torch.from_numpy(clusters.astype(np.uint8)),
                    score=torch.from_numpy(score), masks=torch.from_numpy(masks),
                    det_score=torch.from_numpy(det['score'].astype(np.float32)),
                    det_mask=torch.from_numpy(det['mask']),
                    det_class=torch.from_numpy(det['class'])),
               osp.join(out, 'instances.pt'))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    if not osp.isdir(osp.join(args.checkout, 'net')):
        parser.error(f'{args.checkout} is not a checkout of the official repository')
    sys.path.insert(0, osp.abspath(args.checkout))
    args.out = osp.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)
    os.chdir(args.checkout)  # voc12/dataloader.py reads voc12/cls_labels.npy at import
    import numpy as np
    import torch
    if not hasattr(np, 'bool'):
        np.bool = bool
    torch.manual_seed(0)
    from net import resnet50
    plain = resnet50.resnet50
    resnet50.resnet50 = lambda pretrained=True, **kw: plain(pretrained=False, **kw)
    with cuda_calls_on_cpu():
        golden_cam(args.out)
        golden_irn(args.out)
        golden_ir_label(args.out)
        golden_instances(args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
