"""End to end on the motion-only synthetic task: a small 2D network WITH the HCML motion
hierarchy and its contrastive losses clearly beats the same network WITHOUT it (TSN: per-frame
features averaged over time), same data, schedule and seed; and the contrastive loss falls.

Data: clips of the shared synthetic SS-V2 generator (``cvshared.datasets.something_synthetic.
render_motion_clip``: a stationary random texture translating with wrap-around; 4 classes =
directions; every single frame has the same distribution for every class, so a TSN-style model
is at chance, 25 %), rendered in memory (8 frames of 32 x 32; decoding webm files would not fit
the CI budget) at ``SPEED`` px per frame = 1 cell per frame of the stride-2 map of the first
motion level. Model: stem conv (stride 2, ``A_0``) -> conv (``A_1``) -> conv stride 2
(``A_2``) -> conv stride 2 (``A_3``) -> GAP -> linear -> average over the 8 frames; HCML: the
hierarchy (``M_0`` = stem difference, levels after the three convs, 16 motion channels, the
fusion NOT zero-initialised: nothing pretrained to preserve, and from zero it learned too slowly
for this budget, 0.219 on seed 0) and the three InfoNCE terms (weight ``LAMBDA`` = 0.1; 0.5
gave 0.578 on seed 0) added to the cross-entropy. Adam, ``STEPS`` steps of ``BATCH`` clips.

Protocol (fixed on seed 0 before seeds 1, 2 were run): HCML >= 0.6 top-1 and >= TSN + 0.25;
the summed (3-level) contrastive loss of the last 10 steps below that of the first 10 by
>= 1.0 nat (seed 0: 17.98 -> 14.54).
Run ``python packages/hcml/tests/test_learning.py 3`` for several seeds (README).
"""
import sys
import time

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

T, SIZE, SPEED, STEPS, BATCH, LR, LAMBDA = 8, 32, 2, 60, 4, 3e-3, 0.1
DIRECTIONS = [(0, 1), (0, -1), (1, 0), (-1, 0)]


def motion_set(n: int, seed: int):
    from cvshared.datasets.something_synthetic import render_motion_clip
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for i in range(n):
        dy, dx = DIRECTIONS[i % 4]
        clip = render_motion_clip(rng, (dy * SPEED, dx * SPEED), T, (SIZE, SIZE))
        xs.append(torch.from_numpy(clip).permute(0, 3, 1, 2).float())
        ys.append(i % 4)
    return (torch.stack(xs) - 128) / 64, torch.tensor(ys)


def _cbr(c_in, c_out, stride):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class TinyNet(nn.Module):
    def __init__(self, hcml: bool, width: int = 16):
        super().__init__()
        import hcml as _  # noqa: F401
        from hcml.models import HierarchicalMotionInfoNCE, MotionHierarchy
        self.stem = _cbr(3, width, 2)
        self.layers = nn.ModuleList([_cbr(width, width, 1), _cbr(width, 2 * width, 2),
                                     _cbr(2 * width, 4 * width, 2)])
        self.fc = nn.Linear(4 * width, 4)
        # built last, so that both models draw the same initial weights for the shared layers
        self.motion = self.contrastive = None
        if hcml:
            self.motion = MotionHierarchy(['1', '2', '3'], [width, 2 * width, 4 * width], 16,
                                          num_segments=T, stem_channels=width,
                                          zero_init_fusion=False)
            self.contrastive = HierarchicalMotionInfoNCE(self.motion.channels, T, 32,
                                                         temperature=0.1, grid=4)

    def forward(self, x):
        n = x.shape[0]
        a = self.stem(x.flatten(0, 1))
        named = [(str(i + 1), layer) for i, layer in enumerate(self.layers)]
        if self.motion is None:
            for _, layer in named:
                a = layer(a)
        else:
            a = self.motion(a, named)[-1]
        return self.fc(a.mean((2, 3))).view(n, T, -1).mean(1)


def train_and_eval(hcml: bool, seed: int):
    """Top-1 on 64 held-out clips and the summed contrastive loss per step (HCML only)."""
    x_train, y_train = motion_set(96, 100 + seed)
    x_val, y_val = motion_set(64, 200 + seed)
    torch.manual_seed(seed)
    net = TinyNet(hcml)
    opt = torch.optim.Adam(net.parameters(), LR)
    g = torch.Generator().manual_seed(seed)
    nce = []
    for _ in range(STEPS):
        idx = torch.randint(0, len(y_train), (BATCH,), generator=g)
        loss = F.cross_entropy(net(x_train[idx]), y_train[idx])
        if hcml:
            aux = net.contrastive(net.motion.last_motion)
            c = sum(v for k, v in aux.items() if k.startswith('loss'))
            nce.append(c.item())
            loss = loss + LAMBDA * c
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    with torch.no_grad():
        return (net(x_val).argmax(1) == y_val).float().mean().item(), nce


@pytest.mark.slow
def test_hcml_beats_the_same_2d_network_without_it():
    # measured 2026-12-03 (seed 0): see the README, Results (and the seeds 1, 2 held out)
    with_hcml, nce = train_and_eval(True, seed=0)
    tsn, _ = train_and_eval(False, seed=0)
    assert with_hcml >= 0.6, f'HCML {with_hcml:.3f} (chance 0.25; TSN {tsn:.3f})'
    assert with_hcml >= tsn + 0.25, f'HCML {with_hcml:.3f} vs TSN {tsn:.3f}'
    first, last = np.mean(nce[:10]), np.mean(nce[-10:])
    assert last <= first - 1.0, f'contrastive loss {first:.3f} -> {last:.3f} (3 levels)'


if __name__ == '__main__':
    torch.set_num_threads(1)
    for seed in range(int(sys.argv[1]) if len(sys.argv) > 1 else 3):
        t0 = time.time()
        a, nce = train_and_eval(True, seed)
        t1 = time.time()
        b, _ = train_and_eval(False, seed)
        print(f'seed {seed}: HCML {a:.3f} ({t1 - t0:.1f} s, InfoNCE {np.mean(nce[:10]):.3f} -> '
              f'{np.mean(nce[-10:]):.3f}), TSN {b:.3f} ({time.time() - t1:.1f} s)', flush=True)
