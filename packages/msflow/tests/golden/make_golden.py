"""Regenerate the golden files of this folder from the official MSFlow code.

Usage (outside CI; the official code is CC BY-NC-ND and is never committed here)::

    git clone https://github.com/cool-xuan/msflow /tmp/msflow_official
    git -C /tmp/msflow_official checkout e23975598bc7eb6f74604739d8f04d1519d704da
    .venv/bin/python packages/msflow/tests/golden/make_golden.py /tmp/msflow_official \
        [--out DIR]

This is our harness only: it puts the checkout on ``sys.path``, imports the official modules,
patches at run time what cannot run here (``wandb`` is replaced by an empty module before
``train`` is imported; ``torchvision.io.read_video``, which ``datasets.py`` imports but this
torchvision no longer has, is set to ``None``; ``c.device`` is the CPU; nothing else: the
modules used have no ``.cuda()`` call), seeds, calls the official functions and writes the
files listed in PROVENANCE.md. No file of the checkout is modified.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
import types
from types import SimpleNamespace

import numpy as np
import torch

HERE = osp.dirname(osp.abspath(__file__))
COMMIT = 'e23975598bc7eb6f74604739d8f04d1519d704da'

# The whole-forward golden case (test_golden.py::test_whole_forward_from_the_raw_image...)
WHOLE = dict(extractor='resnet18', c_conds=[64, 64, 64], parallel_blocks=[2, 5, 8],
             clamp_alpha=1.9, input_size=(64, 96), top_k=0.03, batch=2, weight_seed=7,
             image_seed=11)


def _import_official(root: str):
    sys.path.insert(0, osp.abspath(root))
    sys.modules.setdefault('wandb', types.ModuleType('wandb'))  # train.py imports it, unused
    import torchvision.io as tio  # datasets.py imports read_video (removed from torchvision)
    for name in ('read_video', 'write_jpeg'):
        if not hasattr(tio, name):
            setattr(tio, name, None)
    import models.flow_models as flow_models
    import models.resnet.resnet as resnet
    import post_process
    import train
    import utils
    return SimpleNamespace(flow_models=flow_models, resnet=resnet, post_process=post_process,
                           train=train, utils=utils)


def _perturb(modules, scale):
    with torch.no_grad():
        for m in modules:
            for p in m.parameters():
                if p.requires_grad:
                    p.add_(scale * torch.randn_like(p))


def make_small(off, out: str) -> None:
    """posenc.pt, parallel_flow.pt, msflow_tiny_forward.pt, official_tiny.pt."""
    torch.set_num_threads(1)
    torch.save({'D': 64, 'H': 5, 'W': 7, 'P': off.utils.positionalencoding2d(64, 5, 7)},
               osp.join(out, 'posenc.pt'))

    torch.manual_seed(0)
    np.random.seed(0)
    flow = off.flow_models.single_parallel_flows(6, 8, 2, 1.9)
    _perturb([flow], 0.1)
    x = torch.randn(2, 6, 4, 4)
    cond = off.utils.positionalencoding2d(8, 4, 4).unsqueeze(0).repeat(2, 1, 1, 1)
    with torch.no_grad():
        z, logdet = flow(x, [cond])
    torch.save({'state_dict': flow.state_dict(), 'x': x, 'cond': cond, 'z': z, 'logdet': logdet,
                'channels': 6, 'cond_channels': 8, 'n_blocks': 2, 'clamp': 1.9},
               osp.join(out, 'parallel_flow.pt'))

    torch.manual_seed(1)
    np.random.seed(1)
    c = SimpleNamespace(c_conds=[8, 8, 8], parallel_blocks=[2, 5, 8], clamp_alpha=1.9,
                        input_size=(32, 32), top_k=0.03, device='cpu', pool_type='avg')
    c_feats = [4, 6, 8]
    parallel_flows, fusion_flow = off.flow_models.build_msflow_model(c, c_feats)
    _perturb(parallel_flows + [fusion_flow], 0.05)
    h_list = [torch.randn(2, 4, 16, 16), torch.randn(2, 6, 8, 8), torch.randn(2, 8, 4, 4)]
    pool = torch.nn.AvgPool2d(3, 2, 1)
    with torch.no_grad():
        pooled, z_par, ld_par = [], [], []
        for h, f, cc in zip(h_list, parallel_flows, c.c_conds):
            y = pool(h)
            cnd = off.utils.positionalencoding2d(cc, *y.shape[-2:]).unsqueeze(0).repeat(2, 1, 1,
                                                                                         1)
            z, jac = f(y, [cnd])
            pooled.append(y)
            z_par.append(z)
            ld_par.append(jac)
        z_fused, ld_fus = fusion_flow(z_par)
        loss = (sum(0.5 * torch.sum(z ** 2, (1, 2, 3)) for z in z_fused)
                - (ld_fus + sum(ld_par))).mean()
        logp = [-0.5 * torch.mean(z ** 2, 1) for z in z_fused]
        score, map_add, map_mul = off.post_process.post_process(
            c, [list(z.shape[-2:]) for z in z_fused], [[lp] for lp in logp])
    torch.save({'h_list': h_list, 'pooled': pooled, 'z_parallel': z_par,
                'logdet_parallel': ld_par, 'z_fused': list(z_fused), 'logdet_fusion': ld_fus,
                'loss': loss, 'logp_maps': logp, 'input_size': (32, 32), 'top_k': 0.03,
                'image_score': torch.from_numpy(np.asarray(score)),
                'map_add': torch.from_numpy(map_add), 'map_mul': torch.from_numpy(map_mul),
                'c_feats': c_feats, 'c_conds': c.c_conds, 'parallel_blocks': c.parallel_blocks,
                'clamp': 1.9}, osp.join(out, 'msflow_tiny_forward.pt'))
    # the official checkpoint format, written by the official function
    off.utils.save_weights(3, parallel_flows, fusion_flow, 'official_tiny', out)
    written = osp.join(out, 'official_tiny.pt')
    if not osp.isfile(written):  # save_weights appends its own suffix
        cands = [f for f in os.listdir(out) if f.startswith('official_tiny')]
        os.replace(osp.join(out, cands[0]), written)


def make_whole(off, out: str) -> None:
    """whole_forward.pt: raw image -> official extractor (reflect padding) -> flows -> maps."""
    from msflow.testing import seeded_state
    torch.set_num_threads(1)
    w = WHOLE
    c = SimpleNamespace(c_conds=w['c_conds'], parallel_blocks=w['parallel_blocks'],
                        clamp_alpha=w['clamp_alpha'], input_size=w['input_size'],
                        top_k=w['top_k'], device='cpu', pool_type='avg',
                        img_mean=[0.485, 0.456, 0.406], img_std=[0.229, 0.224, 0.225])
    assert off.resnet.PADDING_MODE == 'reflect'
    extractor = getattr(off.resnet, w['extractor'])(pretrained=False).eval()
    channels = [getattr(extractor, f'layer{i + 1}')[-1].conv2.out_channels for i in range(3)]
    parallel_flows, fusion_flow = off.flow_models.build_msflow_model(c, channels)
    extractor.load_state_dict(seeded_state(extractor.state_dict(), w['weight_seed']))
    for f in parallel_flows:
        f.eval()
    fusion_flow.eval()
    # official names of every flow tensor; the parallel flows as save_weights writes them
    flows = {'parallel_flows': [f.state_dict() for f in parallel_flows],
             'fusion_flow': fusion_flow.state_dict()}
    for k, f in enumerate(parallel_flows):
        f.load_state_dict(seeded_state(
            {n: v for n, v in f.state_dict().items()}, w['weight_seed'] + 100 + k))
    fusion_flow.load_state_dict(seeded_state(fusion_flow.state_dict(), w['weight_seed'] + 200))
    fusion_order = [channels.index(v.shape[0]) for n, v in flows['fusion_flow'].items()
                    if n.endswith('.perm')]

    g = torch.Generator().manual_seed(w['image_seed'])
    image = torch.randint(0, 256, (w['batch'], 3, *w['input_size']), generator=g,
                          dtype=torch.uint8)
    # a smooth image with structure (random pixels would make every padding look alike)
    yy, xx = torch.meshgrid(torch.linspace(0, 1, w['input_size'][0]),
                            torch.linspace(0, 1, w['input_size'][1]), indexing='ij')
    smooth = (127 + 100 * torch.sin(6 * xx + 3 * yy)[None, None]
              * torch.tensor([1.0, -0.5, 0.8])[None, :, None, None]
              + torch.tensor([0.0, 40.0])[:, None, None, None])
    image = (0.6 * smooth + 0.4 * image.float()).clamp(0, 255).to(torch.uint8)
    # the official dataset: ToTensor (x / 255) then Normalize(img_mean, img_std)
    from torchvision import transforms as T
    x = T.Normalize(c.img_mean, c.img_std)(image.float() / 255.)
    labels = torch.zeros(w['batch'], dtype=torch.long)
    masks = torch.zeros(w['batch'], 1, *w['input_size'])
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, labels, masks),
                                         batch_size=w['batch'], shuffle=False)
    # BatchNorm statistics calibrated on this batch (one train-mode pass, cumulative average),
    # so that the random extractor's features are O(1) and the flows' maps are not saturated;
    # stored in the golden file (ours loads them, the rest of the weights is the seeded rule)
    bns = [m for m in extractor.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    extractor.train()
    with torch.no_grad():
        extractor(x)
    extractor.eval()
    bn_stats = {k: v.clone() for k, v in extractor.state_dict().items()
                if k.endswith(('running_mean', 'running_var'))}
    with torch.no_grad():
        z_list, jac = off.train.model_forward(c, extractor, parallel_flows, fusion_flow, x)
        loss = (sum(0.5 * torch.sum(z ** 2, (1, 2, 3)) for z in z_list) - jac).mean()
        _, _, outputs_list, size_list = off.train.inference_meta_epoch(
            c, 0, loader, extractor, parallel_flows, fusion_flow)
        score, map_add, map_mul = off.post_process.post_process(c, size_list, outputs_list)
    torch.save({'config': dict(w), 'image': image, 'fusion_order': fusion_order,
                'extractor_bn': bn_stats,
                'z': [z.clone() for z in z_list], 'logdet': jac, 'loss': loss,
                'image_score': torch.from_numpy(np.asarray(score)).float(),
                'map_add': torch.from_numpy(map_add), 'map_mul': torch.from_numpy(map_mul)},
               osp.join(out, 'whole_forward.pt'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('official', help=f'checkout of cool-xuan/msflow at {COMMIT}')
    parser.add_argument('--out', default=HERE, help='output folder (default: this folder)')
    parser.add_argument('--only', choices=('small', 'whole'), default=None)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    off = _import_official(args.official)
    if args.only in (None, 'small'):
        make_small(off, args.out)
    if args.only in (None, 'whole'):
        make_whole(off, args.out)
    print('golden files written to', args.out)


if __name__ == '__main__':
    main()
