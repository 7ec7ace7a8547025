"""Write the golden tensors of shared/tests/data/ops/ from the official implementations.

Usage (outside CI; needs unmodified clones, see shared/tests/data/ops/PROVENANCE.md)::

    python shared/benchmarks/make_golden_ops.py --official-root DIR --out shared/tests/data/ops

``DIR`` holds ``SELFY/``, ``MotionSqueeze/``, ``psa/`` and ``irn/``; the modules are loaded by
:mod:`bench_ops` with their hard-coded CUDA device replaced by the CPU.  If
``spatial_correlation_sampler`` is importable, its agreement with the official naive paths is
printed (not saved).
"""
from __future__ import annotations

import argparse
import functools
import sys
import types
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ops import Official  # noqa: E402


def selfy(off: Official, out: Path):
    torch.manual_seed(0)
    x = torch.randn(4, 8, 5, 6)  # (B*T, C, H, W) with B = 1, T = 4
    m = off.selfy.STSSTransformation(8, 8, num_segments=4, window=(5, 5, 5),
                                     use_corr_sampler=False)
    m.downsample = nn.Identity()  # golden of the STSS computation only
    with torch.no_grad():
        stss = m(x)
    torch.save({'x': x, 'num_segments': 4, 'window': (5, 5, 5), 'stss': stss.contiguous()},
               out / 'selfy_stss.pt')
    if off.sampler:
        m2 = off.selfy.STSSTransformation(8, 8, num_segments=4, window=(5, 5, 5))
        m2.downsample = nn.Identity()
        with torch.no_grad():
            print('SELFY sampler vs naive, max abs diff:', (m2(x) - stss).abs().max().item())


def motionsqueeze(off: Official, out: Path):
    torch.manual_seed(1)
    f1, f2 = torch.randn(1, 8, 8, 9), torch.randn(1, 8, 8, 9)
    f2_shift = torch.zeros_like(f1)
    f2_shift[..., 1:, 2:] = f1[..., :-1, :-2]  # frame t+1 = frame t moved by (+1 row, +2 cols)
    mm = off.ms.Matching_layer_mm(patch=15)
    fake = types.SimpleNamespace(patch=15, patch_dilation=1, soft_argmax=nn.Softmax(dim=1))
    fake.apply_gaussian_kernel = functools.partial(off.ms.ResNet.apply_gaussian_kernel, fake)
    res = {'f1': f1, 'f2': f2, 'f2_shift': f2_shift, 'patch': 15, 'temperature': 100}
    with torch.no_grad():
        for key, g in (('rand', f2), ('shift', f2_shift)):
            corr = mm(f1, g)  # (1, 225, 72) after ReLU
            fx, fy, conf = off.ms.ResNet.match_to_flow_soft(fake, corr, 1, 8, 9, temperature=100)
            res[f'corr_{key}'] = corr
            res[f'flow_{key}'] = torch.cat([fx, fy], 1).view(-1, 2, 8, 9)
            res[f'conf_{key}'] = conf
        if off.sampler:
            scs = off.ms.Matching_layer_scs(ks=1, patch=15, stride=1, pad=0, patch_dilation=1)
            print('MotionSqueeze sampler vs naive, max abs diff:',
                  (scs(f1, f2) - res['corr_rand']).abs().max().item())
    torch.save(res, out / 'motionsqueeze_match_flow.pt')


def psa(off: Official, out: Path):
    torch.manual_seed(2)
    pyutils = off.psa_pyutils
    ind_from, ind_to = pyutils.get_indices_of_pairs(5, (9, 12))
    net_cls = off.psa_aff.Net
    net = object.__new__(net_cls)  # no ResNet-38: the affinity head only
    nn.Module.__init__(net)
    net.f8_3 = net.f8_4 = net.f8_5 = net.f9 = nn.Identity()
    net.predefined_featuresize = 56
    conv = {k: torch.randn(1, 2, 9, 12) for k in ('conv4', 'conv5', 'conv6')}
    sys.modules['network.resnet38d'].Net.forward_as_dict = lambda self, img: conv
    feat = F.elu(torch.cat([F.elu(conv['conv4']), F.elu(conv['conv5']), F.elu(conv['conv6'])], 1))
    with torch.no_grad():
        aff = net_cls.forward(net, None, False)
        aff_dense = net_cls.forward(net, None, True)
    torch.save({'radius': 5, 'size': (9, 12), 'ind_from': torch.from_numpy(ind_from),
                'ind_to': torch.from_numpy(ind_to), 'feat': feat, 'aff': aff,
                'aff_dense': aff_dense}, out / 'psa_pairs_affinity.pt')


def irn(off: Official, out: Path):
    torch.manual_seed(3)
    ix = off.irn
    res = {}
    for radius, size in ((5, (9, 12)), (10, (12, 20))):
        pi = ix.PathIndex(radius=radius, default_size=size)
        edge = torch.rand(1, 1, *size)
        res[f'r{radius}'] = {
            'size': size, 'search_dst': torch.from_numpy(pi.search_dst),
            'path_indices': [torch.from_numpy(p).int() for p in pi.path_indices],  # int32
            'src_indices': torch.from_numpy(pi.src_indices),
            'dst_indices': torch.from_numpy(pi.dst_indices).int(),
            'edge': edge,
            'aff': ix.edge_to_affinity(edge, [p.copy() for p in pi.path_indices])}
    pi5 = ix.PathIndex(radius=5, default_size=(9, 12))
    dense = ix.affinity_sparse2dense(res['r5']['aff'], pi5.src_indices, pi5.dst_indices, 108)
    res['dense_r5'] = dense
    res['trans_beta10_t8'] = ix.to_transition_matrix(dense, beta=10, times=8)
    cam = torch.rand(3, 6, 7)
    edge = torch.rand(1, 6, 7) ** 3
    res['prop_cam'], res['prop_edge'] = cam, edge
    res['prop_rw'] = ix.propagate_to_edge(cam, edge, radius=5, beta=10, exp_times=8)
    # gradient of edge_to_affinity on a binary boundary map (many exactly tied path maxima)
    for radius in (5, 10):
        size = res[f'r{radius}']['size']
        pi = ix.PathIndex(radius=radius, default_size=size)
        edge = (torch.rand(1, 1, *size) > 0.6).float().requires_grad_()
        aff = ix.edge_to_affinity(edge, [p.copy() for p in pi.path_indices])
        weight = torch.randn_like(aff)
        (aff * weight).sum().backward()
        res[f'r{radius}'].update(tie_edge=edge.detach(), tie_weight=weight, tie_grad=edge.grad)
    torch.save(res, out / 'irn_paths_randomwalk.pt')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--official-root', required=True)
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    off = Official(Path(args.official_root))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for fn in (selfy, motionsqueeze, psa, irn):
        fn(off, out)
        print('wrote', fn.__name__)


if __name__ == '__main__':
    main()
