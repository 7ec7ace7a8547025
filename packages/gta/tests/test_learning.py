"""End to end on the long-range temporal ORDER task (gta.datasets: a red and a blue square
in two frames >= 4 apart of 8, label = which comes first; every frame alone and the bag of
frames carry nothing): a small TSM network WITH a GTA block clearly beats the same network
WITHOUT it, same data, schedule and seed.

Clips are rendered in memory (decoding webm files would not fit the CI budget). Model: stem conv
(stride 2, 16 x 16) -> TSM conv (mmaction2 ``TemporalShift``, 1/8 of the channels each way,
stride 2, 8 x 8) -> [GTA block, 32 channels, pixel level, 4 heads, T = 8] -> TSM conv (stride
2) -> GAP -> linear -> average consensus (TSN's); Adam lr ``LR``, ``STEPS`` steps of ``BATCH``
clips. Without the block, the two temporal shifts link frames at most 2 apart, too few for
events 4 or more frames apart (only the zero padding at the clip's ends leaks where a frame
sits); with it, one learned T x T matrix per head links any two frames.

Seeds (``python packages/gta/tests/test_learning.py 0 11``; 2026-12-03, one thread, load ~3
on 2 cores, ~4 s per GTA run, ~2.5 s without; val accuracy on 128 clips, chance 0.5): the
setting was chosen on seeds 0-2 (+ GTA 1.000 / 1.000 / 0.984, plain TSM 0.508 / 0.531 /
0.531), then fixed together with the test seed (3) and the bars (>= 0.8 and >= plain + 0.2),
and seeds 3-10 run once: + GTA 0.984 1.000 1.000 1.000 1.000 1.000 0.750 1.000 (min 0.750,
seed 9), plain 0.547 0.484 0.500 0.477 0.578 0.492 0.469 0.602 (max 0.602). The absolute bar
fixed beforehand (0.8) would fail on held-out seed 9, so it is lowered to 0.7 (below the
smallest value of all 11 seeds); the gap is >= 0.281 on every seed, the bar + 0.2 stays. The
test runs seed 3 (TSM + GTA 0.984, TSM 0.547 on the default oneDNN path; AVX2 / AVX paths: see
the README). Both levels (pixel + region) on seeds 0-2: 1.000 / 1.000 / 0.977. Ablation
(``python ... 0 3 ablation``: the same block with A frozen at I, i.e. its per-frame spatial
attention only): 0.648 / 0.562 / 0.586 on seeds 0-2, so the gain comes from the learned
temporal matrix, not from the extra spatial attention.
"""
import sys
import time

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

T, SIZE, GAP, STEPS, BATCH, LR = 8, 32, 4, 200, 8, 3e-3
TEST_SEED = 3


def order_set(n: int, seed: int):
    from gta.datasets import render_order_clip
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for i in range(n):
        clip = render_order_clip(rng, i % 2, T, (SIZE, SIZE), GAP)
        xs.append(torch.from_numpy(clip).permute(0, 3, 1, 2).float())
        ys.append(i % 2)
    return (torch.stack(xs) - 128) / 64, torch.tensor(ys)


def _cbr(c_in, c_out):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, 2, 1, bias=False), nn.BatchNorm2d(c_out),
                         nn.ReLU(inplace=True))


class TinyTSM(nn.Module):
    def __init__(self, with_block: bool, width: int = 16, levels=('pixel',)):
        super().__init__()
        from gta.models import GTABlock
        from mmaction.models.backbones.resnet_tsm import TemporalShift
        self.stem = _cbr(3, width)
        self.s2 = TemporalShift(_cbr(width, 2 * width), num_segments=T, shift_div=8)
        self.s3 = TemporalShift(_cbr(2 * width, 2 * width), num_segments=T, shift_div=8)
        self.fc = nn.Linear(2 * width, 2)
        # built last, so that both models draw the same initial weights for the shared layers
        self.block = GTABlock(2 * width, T, levels=levels, num_heads=4, num_regions=4) \
            if with_block else nn.Identity()

    def forward(self, x):
        n = x.shape[0]
        f = self.s3(self.block(self.s2(self.stem(x.flatten(0, 1))))).mean((2, 3))
        return self.fc(f).view(n, T, -1).mean(1)


def train_and_eval(with_block: bool, seed: int, levels=('pixel',),
                   frozen_identity: bool = False) -> float:
    """Val accuracy; ``frozen_identity``: the ablation with A fixed to I (the block keeps only
    its per-frame spatial attention, G1)."""
    x_train, y_train = order_set(128, 100 + seed)
    x_val, y_val = order_set(128, 200 + seed)
    torch.manual_seed(seed)
    net = TinyTSM(with_block, levels=levels)
    if frozen_identity:
        for core in net.block.cores.values():
            core.normalize = 'none'
            core.temporal.data.copy_(torch.eye(T).expand_as(core.temporal))
            core.temporal.requires_grad_(False)
    opt = torch.optim.Adam(net.parameters(), LR)
    g = torch.Generator().manual_seed(seed)
    for _ in range(STEPS):
        idx = torch.randint(0, len(y_train), (BATCH,), generator=g)
        loss = F.cross_entropy(net(x_train[idx]), y_train[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    with torch.no_grad():
        return (net(x_val).argmax(1) == y_val).float().mean().item()


@pytest.mark.slow
def test_gta_beats_the_same_tsm_without_it():
    torch.set_num_threads(1)
    with_gta = train_and_eval(True, seed=TEST_SEED)
    without = train_and_eval(False, seed=TEST_SEED)
    assert with_gta >= 0.7, f'TSM + GTA {with_gta:.3f} (chance 0.5; TSM {without:.3f})'
    assert with_gta >= without + 0.2, f'TSM + GTA {with_gta:.3f} vs TSM {without:.3f}'


if __name__ == '__main__':
    torch.set_num_threads(1)
    first, stop = (int(a) for a in (sys.argv[1:3] if len(sys.argv) > 2 else (0, 3)))
    levels = tuple(sys.argv[3].split(',')) if len(sys.argv) > 3 else ('pixel',)
    if levels == ('ablation',):  # A frozen at I: spatial attention only
        for seed in range(first, stop):
            acc = train_and_eval(True, seed, ('pixel',), frozen_identity=True)
            print(f'seed {seed}: TSM+GTA(A = I frozen) {acc:.3f}', flush=True)
        sys.exit()
    for seed in range(first, stop):
        t0 = time.time()
        a = train_and_eval(True, seed, levels)
        t1 = time.time()
        b = train_and_eval(False, seed)
        print(f'seed {seed}: TSM+GTA{levels} {a:.3f} ({t1 - t0:.1f} s), TSM {b:.3f} '
              f'({time.time() - t1:.1f} s)', flush=True)
