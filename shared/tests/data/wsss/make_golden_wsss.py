"""Regenerate the golden data of shared/tests/wsss (cam.pt, crf.pt) from the official code.

    python shared/tests/data/wsss/make_golden_wsss.py IRN_CHECKOUT PSA_CHECKOUT [--out DIR]

IRN_CHECKOUT / PSA_CHECKOUT: checkouts of github.com/jiwoon-ahn/irn and jiwoon-ahn/psa at the
commits of PROVENANCE.md.  Our harness only (no official code): it writes three random JPEG
images under VOC names into a temporary VOC-layout folder, then runs, unedited,

* IRN ``step/make_cam.py::_work`` with ``voc12/dataloader.py::VOC12ClassificationDatasetMSF``
  (scales 1, 0.5, 1.5, 2) and the tiny CAM network below -> ``<name>.npy`` CAM dicts;
* IRN ``step/cam_to_ir_label.py::_work`` on those CAMs (conf_fg 0.30, conf_bg 0.05), whose calls
  of ``misc/imutils.py::crf_inference_label`` are recorded (inputs and outputs);
* PSA ``infer_cls.py`` as ``__main__`` (``voc12/data.py::VOC12ClsDatasetMSF``, scales 1, 0.5,
  1.5, 2.0 + flips, ``--out_cam --out_la_crf --out_ha_crf``) with the same tiny network, whose
  calls of ``tool/imutils.py::crf_inference`` are recorded;
* PSA ``tool/imutils.py::crf_inference`` directly on one random input with ``scale_factor=2``.

Run-time patches (stack only, no file is edited): ``torch.cuda.device_count`` (2 for IRN's
``_work``, so that its progress print, which divides by ``len(data) // 20``, is skipped for
process 0; 1 for PSA), ``torch.cuda.device`` -> a null context, ``Tensor.cuda`` -> identity,
``torch.nn.parallel.replicate`` -> the model itself, ``torch.load`` (PSA's ``--weights``) -> the
tiny network's state dict, ``np.load`` with ``allow_pickle=True`` (PSA reads its pickled
``cls_labels.npy`` with numpy < 1.16.3 defaults), a stub ``scipy.misc`` (removed from SciPy;
only ``imsave`` of an unused output is referenced), ``PIL.Image.CUBIC`` = ``BICUBIC`` (the alias
Pillow 10 removed).
"""
import argparse
import contextlib
import importlib
import os
import os.path as osp
import runpy
import sys
import tempfile
import types

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

NAMES = ('2007_000032', '2007_000063', '2007_000170')
SIZES = ((37, 51), (29, 43), (41, 35))   # odd sizes: the 0.5 / 1.5 scales round half to even
SEED = 0


def tiny_weights():
    g = torch.Generator().manual_seed(SEED)
    return torch.randn(20, 3, 1, 1, generator=g), torch.randn(20, generator=g) * 0.5


def tiny_cam(x, weight, bias):
    """Same as test_cam.tiny_cam_fn: avg pool 4 (ceil mode), 1x1 conv, ReLU."""
    return F.relu(F.conv2d(F.avg_pool2d(x, 4, 4, ceil_mode=True), weight, bias))


class TinyPSANet(torch.nn.Module):
    """Stands for PSA's network.*_cls.Net: forward_cam + normalize."""

    def __init__(self):
        super().__init__()
        w, b = tiny_weights()
        self.weight = torch.nn.Parameter(w)
        self.bias = torch.nn.Parameter(b)
        from network.resnet38d import Normalize  # PSA's own normalisation
        self.normalize = Normalize()

    def forward_cam(self, x):
        return tiny_cam(x, self.weight, self.bias)


class TinyIRNCAM(torch.nn.Module):
    """Stands for IRN's net.resnet50_cam.CAM: relu(cam) of the image and its flip, fused."""

    def __init__(self):
        super().__init__()
        w, b = tiny_weights()
        self.weight = torch.nn.Parameter(w)
        self.bias = torch.nn.Parameter(b)

    def forward(self, x):
        x = tiny_cam(x, self.weight, self.bias)
        return x[0] + x[1].flip(-1)


@contextlib.contextmanager
def patched(n_gpus):
    saved = (torch.cuda.device_count, torch.cuda.device, torch.Tensor.cuda,
             torch.nn.Module.cuda, torch.nn.parallel.replicate, torch.load, np.load)
    torch.cuda.device_count = lambda: n_gpus
    torch.cuda.device = lambda *a, **k: contextlib.nullcontext()
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.nn.Module.cuda = lambda self, *a, **k: self
    torch.nn.parallel.replicate = lambda m, devices: [m] * len(devices)
    torch.load = lambda *a, **k: TinyPSANet().state_dict()
    np_load = np.load
    np.load = lambda *a, **k: np_load(*a, **{**k, 'allow_pickle': True})
    try:
        yield
    finally:
        (torch.cuda.device_count, torch.cuda.device, torch.Tensor.cuda, torch.nn.Module.cuda,
         torch.nn.parallel.replicate, torch.load, np.load) = saved


def write_voc(root):
    rng = np.random.RandomState(SEED)
    os.makedirs(osp.join(root, 'JPEGImages'))
    imgs = {}
    for name, (h, w) in zip(NAMES, SIZES):
        # smooth random colours + noise, so the CRF's bilateral term has structure
        base = rng.randint(0, 256, (h // 8 + 2, w // 8 + 2, 3)).astype(np.uint8)
        img = np.asarray(Image.fromarray(base).resize((w, h), Image.BILINEAR)).astype(np.int16)
        img = np.clip(img + rng.randint(-20, 21, img.shape), 0, 255).astype(np.uint8)
        path = osp.join(root, 'JPEGImages', name + '.jpg')
        Image.fromarray(img).save(path, quality=95)
        imgs[name] = np.asarray(Image.open(path).convert('RGB'))  # what the readers decode
    return imgs


def purge(prefixes):
    for m in list(sys.modules):
        if m.split('.')[0] in prefixes:
            del sys.modules[m]


def run_irn(irn, root, tmp):
    cwd = os.getcwd()
    sys.path.insert(0, irn)
    os.chdir(irn)  # voc12/dataloader.py reads voc12/cls_labels.npy at import
    try:
        purge({'voc12', 'misc', 'step', 'net'})
        dataloader = importlib.import_module('voc12.dataloader')
        imutils = importlib.import_module('misc.imutils')
        make_cam = importlib.import_module('step.make_cam')
        cam_to_ir_label = importlib.import_module('step.cam_to_ir_label')
        lst = osp.join(tmp, 'irn_list.txt')
        with open(lst, 'w') as f:
            f.write('\n'.join(n.replace('_', '') for n in NAMES) + '\n')
        cam_dir, ir_dir = osp.join(tmp, 'irn_cam'), osp.join(tmp, 'irn_ir')
        os.makedirs(cam_dir)
        os.makedirs(ir_dir)
        args = types.SimpleNamespace(num_workers=0, cam_out_dir=cam_dir, ir_label_out_dir=ir_dir,
                                     conf_fg_thres=0.30, conf_bg_thres=0.05)
        ds = dataloader.VOC12ClassificationDatasetMSF(lst, voc12_root=root,
                                                      scales=(1.0, 0.5, 1.5, 2.0))
        with patched(2), torch.no_grad():
            make_cam._work(0, TinyIRNCAM().eval(), [ds, ds], args)
        cams = {n: np.load(osp.join(cam_dir, n + '.npy'), allow_pickle=True).item()
                for n in NAMES}
        calls = []
        orig = imutils.crf_inference_label

        def spy(img, labels, t=10, n_labels=21, gt_prob=0.7):
            out = orig(img, labels, t=t, n_labels=n_labels, gt_prob=gt_prob)
            assert n_labels < 256
            calls.append(dict(img=torch.from_numpy(np.array(img)),
                              labels=torch.from_numpy(np.array(labels).astype(np.uint8)),
                              n_labels=n_labels,
                              out=torch.from_numpy(np.array(out).astype(np.uint8))))
            return out
        imutils.crf_inference_label = spy
        args.num_workers = 2  # skips the progress print for process 0 (len(data) // 20 == 0)
        ids = dataloader.VOC12ImageDataset(lst, voc12_root=root, img_normal=None, to_torch=False)
        cam_to_ir_label._work(0, [ids, ids], args)
        ir = {n: np.asarray(Image.open(osp.join(ir_dir, n + '.png'))) for n in NAMES}
    finally:
        os.chdir(cwd)
        sys.path.remove(irn)
        purge({'voc12', 'misc', 'step', 'net'})
    return cams, calls, ir


def run_psa(psa, root, tmp):
    cwd = os.getcwd()
    sys.path.insert(0, psa)
    os.chdir(psa)  # voc12/data.py reads voc12/cls_labels.npy
    sys.modules.setdefault('scipy.misc', types.ModuleType('scipy.misc'))
    if not hasattr(Image, 'CUBIC'):
        Image.CUBIC = Image.BICUBIC  # the alias Pillow 10 removed (same filter)
    net_mod = types.ModuleType('golden_tiny_psa_net')
    net_mod.Net = TinyPSANet
    sys.modules['golden_tiny_psa_net'] = net_mod
    try:
        purge({'voc12', 'tool', 'network'})
        imutils = importlib.import_module('tool.imutils')
        lst = osp.join(tmp, 'psa_list.txt')
        with open(lst, 'w') as f:
            f.write(''.join(f'/JPEGImages/{n}.jpg /SegmentationClassAug/{n}.png\n' for n in NAMES))
        outs = {k: osp.join(tmp, 'psa_' + k) for k in ('cam', 'la', 'ha')}
        for d in outs.values():
            os.makedirs(d)
        calls = []
        orig = imutils.crf_inference

        def spy(img, probs, t=10, scale_factor=1, labels=21):
            out = orig(img, probs, t=t, scale_factor=scale_factor, labels=labels)
            calls.append(dict(img=torch.from_numpy(np.array(img)),
                              probs=torch.from_numpy(np.array(probs)),
                              scale_factor=scale_factor, out=torch.from_numpy(np.array(out))))
            return out
        imutils.crf_inference = spy
        argv = sys.argv
        sys.argv = ['infer_cls.py', '--weights', 'unused.pth', '--network', 'golden_tiny_psa_net',
                    '--infer_list', lst, '--num_workers', '1', '--voc12_root', root,
                    '--out_cam', outs['cam'], '--out_la_crf', outs['la'],
                    '--out_ha_crf', outs['ha']]
        try:
            with patched(1):
                runpy.run_path(osp.join(psa, 'infer_cls.py'), run_name='__main__')
        finally:
            sys.argv = argv
        cams = {n: np.load(osp.join(outs['cam'], n + '.npy'), allow_pickle=True).item()
                for n in NAMES}
        # one direct call with scale_factor 2 on random scores
        rng = np.random.RandomState(SEED + 1)
        img = rng.randint(0, 256, (23, 31, 3)).astype(np.uint8)
        probs = rng.rand(3, 23, 31).astype(np.float32)
        spy(img, probs, scale_factor=2, labels=3)
    finally:
        os.chdir(cwd)
        sys.path.remove(psa)
        purge({'voc12', 'tool', 'network'})
        del sys.modules['golden_tiny_psa_net']
    return cams, calls


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    ap.add_argument('irn')
    ap.add_argument('psa')
    ap.add_argument('--out', default=osp.dirname(osp.abspath(__file__)))
    a = ap.parse_args()
    irn, psa = osp.abspath(a.irn), osp.abspath(a.psa)
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        root = osp.join(tmp, 'VOC2012')
        imgs = write_voc(root)
        irn_cams, irn_calls, ir = run_irn(irn, root, tmp)
        psa_cams, psa_calls = run_psa(psa, root, tmp)
    w, b = tiny_weights()
    labels = np.load(osp.join(irn, 'voc12', 'cls_labels.npy'), allow_pickle=True).item()
    cases = []
    for n in NAMES:
        label = torch.from_numpy(labels[int(n.replace('_', ''))])
        c = irn_cams[n]
        p = psa_cams[n]
        pk = sorted(p)
        case = dict(name=n, img=torch.from_numpy(imgs[n].copy()), label=label,
                    irn=dict(keys=torch.as_tensor(c['keys']), cam=torch.as_tensor(c['cam']),
                             high_res=torch.from_numpy(c['high_res'])),
                    psa=dict(keys=torch.tensor(pk),  # PSA's CAM is full size: cam = high_res
                             high_res=torch.from_numpy(np.stack([p[k] for k in pk]))),
                    ir_label=torch.from_numpy(ir[n].copy()))
        for v in ('irn', 'psa'):
            mx = case[v]['high_res'].amax((1, 2))
            assert (mx > 0.5).all(), f'{n} {v}: a kept class has an empty CAM ({mx})'
        cases.append(case)
    os.makedirs(a.out, exist_ok=True)
    torch.save(dict(weight=w, bias=b, cases=cases), osp.join(a.out, 'cam.pt'))
    torch.save(dict(prob=psa_calls, label=irn_calls), osp.join(a.out, 'crf.pt'))
    print(f'wrote cam.pt ({len(cases)} images) and crf.pt ({len(psa_calls)} PSA + '
          f'{len(irn_calls)} IRN CRF calls) to {a.out}')


if __name__ == '__main__':
    main()
