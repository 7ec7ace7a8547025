"""Regenerate the golden files of gta (no official code exists: this harness needs NO
official checkout).

    python packages/gta/tests/golden/make_golden.py [--out DIR]

Each golden output is computed by an independent LOOP re-derivation of the equations (G1)-(G6)
of ``gta.models.gta_block`` (written here from the equations, with Python loops over clips,
frames, heads and regions and plain matrix products; it imports nothing of gta's model code),
on weights drawn by ``gta.testing.seeded_state_dict`` from the names of our modules (so the
files hold no weights). The whole forward runs mmaction2's own plain ``Recognizer2D`` (TSM
ResNet-18, TSMHead, the data preprocessor from the raw uint8 clip) with a forward hook on
``layer2`` that adds the loop GTA residual, i.e. mmaction2 + the equations, not our backbone.
"""
from __future__ import annotations

import argparse
import math
import os.path as osp

import torch

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(HERE))))
SYNTHETIC = osp.join(REPO, 'configs', 'gta', 'gta_tsm-r18_1x1x8_10e_synthetic.py')
# the block golden: C = 8 channels, T = 4, 3 x 3 positions, 2 clips, 2 heads, 3 regions
BLOCK = dict(in_channels=8, num_segments=4, levels=('pixel', 'region'), num_heads=2,
             num_regions=3, reduction=2)


def _lin(sd, prefix, u):
    """1x1 conv of ``sd[prefix + 'weight'/'bias']`` on a ``(C, K)`` matrix."""
    out = sd[prefix + 'weight'][..., 0] @ u
    if prefix + 'bias' in sd:
        out = out + sd[prefix + 'bias'][:, None]
    return out


def _softmax_rows(a):
    e = torch.exp(a - a.max(-1, keepdim=True).values)
    return e / e.sum(-1, keepdim=True)


def loop_core(sd, prefix, frames, num_heads, inter):
    """(G1)-(G3) for ONE clip: ``frames`` is a list of T ``(C, K)`` matrices; returns the list of
    ``(M d, K)`` outputs."""
    t = len(frames)
    ys = []
    for x in frames:  # (G1) within each frame
        th, ph, g = (_lin(sd, prefix + n + '.', x) for n in ('theta', 'phi', 'g'))
        k = x.shape[1]
        s = torch.empty(k, k)
        for p in range(k):
            for q in range(k):
                s[p, q] = (th[:, p] * ph[:, q]).sum() / math.sqrt(inter)
        s = _softmax_rows(s)
        ys.append(g @ s.T)
    vs = [_lin(sd, prefix + 'heads.', y) for y in ys]  # (G2) every channel into every head
    d = vs[0].shape[0] // num_heads
    a = _softmax_rows(sd[prefix + 'temporal'])  # (G3)
    outs = []
    for ti in range(t):
        z = []
        for m in range(num_heads):
            acc = torch.zeros(d, vs[0].shape[1])
            for si in range(t):
                acc = acc + a[m, ti, si] * vs[si][m * d:(m + 1) * d]
            z.append(acc)
        outs.append(torch.cat(z))
    return outs


def _bn(sd, prefix, u, eps=1e-5):
    scale = sd[prefix + 'weight'] / torch.sqrt(sd[prefix + 'running_var'] + eps)
    shift = sd[prefix + 'bias'][:, None]
    return (u - sd[prefix + 'running_mean'][:, None]) * scale[:, None] + shift


def loop_block(sd, x5, levels, num_heads, reduction, prefix=''):
    """(G4)-(G6), eval-mode BN, on ``(N, C, T, H, W)``."""
    n, c, t, h, w = x5.shape
    inter = c // reduction
    out = x5.clone()
    for i in range(n):
        frames = [x5[i, :, ti].reshape(c, h * w) for ti in range(t)]
        total = [f.clone() for f in frames]
        for level in levels:
            core = f'{prefix}cores.{level}.'
            if level == 'pixel':
                z = loop_core(sd, core, frames, num_heads, inter)
            else:
                pools, members, regions = [], [], []
                for f in frames:  # (G5) one learned transformation for every frame
                    logits = _lin(sd, prefix + 'group.', f)  # (R, P)
                    pool = _softmax_rows(logits)              # over pixels
                    member = _softmax_rows(logits.T).T        # over regions
                    pools.append(pool)
                    members.append(member)
                    regions.append(f @ pool.T)                # (C, R)
                zr = loop_core(sd, core, regions, num_heads, inter)
                z = [zr[ti] @ members[ti] for ti in range(t)]
            for ti in range(t):
                total[ti] = total[ti] + _bn(sd, f'{prefix}norms.{level}.',
                                            _lin(sd, f'{prefix}out_convs.{level}.', z[ti]))
        for ti in range(t):
            out[i, :, ti] = total[ti].reshape(c, h, w)
    return out


def block_golden():
    from gta.models import GTABlock
    from gta.testing import seeded_state_dict
    block = GTABlock(**BLOCK)
    shapes = {k: tuple(v.shape) for k, v in block.state_dict().items()}
    sd = seeded_state_dict(block.state_dict(), seed=0)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2, 8, 4, 3, 3, generator=gen)
    with torch.no_grad():
        out = loop_block(sd, x, BLOCK['levels'], BLOCK['num_heads'], BLOCK['reduction'])
    return dict(kwargs=BLOCK, shapes=shapes, seed=0, inputs=x, outputs=out)


def _synthetic_model(plain: bool):
    from gta.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    cfg = Config.fromfile(SYNTHETIC).model
    if plain:  # mmaction2's own backbone, no block
        cfg.backbone.type = 'ResNetTSM'
        cfg.backbone.pop('blocks')
    with DefaultScope.overwrite_default_scope('mmaction'):
        return MODELS.build(cfg)


def whole_golden():
    from gta.testing import seeded_state_dict
    ours = _synthetic_model(plain=False)
    sd = seeded_state_dict(ours.state_dict(), seed=1)
    plain = _synthetic_model(plain=True).eval()
    plain.load_state_dict({k: v for k, v in sd.items() if '.stage_blocks.' not in k})
    blk = ours.backbone.stage_blocks['layer2_after']
    prefix = 'backbone.stage_blocks.layer2_after.'
    t = blk.num_segments

    def add_gta(module, inputs, output):
        b, c, h, w = output.shape
        x5 = output.view(b // t, t, c, h, w).permute(0, 2, 1, 3, 4)
        y5 = loop_block(sd, x5, blk.levels, blk.cores['pixel'].num_heads, 2, prefix=prefix)
        return y5.permute(0, 2, 1, 3, 4).reshape(b, c, h, w)

    handle = plain.backbone.layer2.register_forward_hook(add_gta)
    gen = torch.Generator().manual_seed(2)
    raw = torch.randint(0, 256, (2, 8, 3, 32, 32), generator=gen, dtype=torch.uint8)
    with torch.no_grad():
        data = plain.data_preprocessor(dict(inputs=list(raw), data_samples=None), False)
        feats = plain.extract_feat(data['inputs'], test_mode=True)[0]
        logits = plain.cls_head(feats, num_segs=8)
    handle.remove()
    return dict(seed=1, raw=raw, logits=logits,
                shapes={k: tuple(v.shape) for k, v in ours.state_dict().items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', default=HERE)
    args = parser.parse_args()
    import gta  # noqa: F401  (registers, stack fixes)
    torch.set_num_threads(1)
    torch.save(block_golden(), osp.join(args.out, 'block.pt'))
    torch.save(whole_golden(), osp.join(args.out, 'whole_forward.pt'))
    print('wrote', osp.join(args.out, 'block.pt'), osp.join(args.out, 'whole_forward.pt'))


if __name__ == '__main__':
    main()
