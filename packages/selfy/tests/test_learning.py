"""End to end on the motion-only synthetic task: a small TSM network WITH the SELFY block
clearly beats the same network WITHOUT it, same data, schedule and seed.

Data: the clips of the shared synthetic SS-V2 set (``cvshared.datasets.something_synthetic.
render_motion_clip``: a stationary random texture translating with wrap-around; 4 classes =
directions; every single frame has the same distribution for every class), rendered in memory
(8 frames of 32 x 32; decoding webm files would not fit the CI budget) with a LARGE
displacement, ``SPEED`` = 8 px per frame: 2 cells of the stride-4 map the block sees, 1 cell
of its stride-8 STSS (window (5, 9, 9) = +-4 cells). Model: stem conv (stride 2) -> TSM conv
(mmaction2 ``TemporalShift``, 1/8 of the channels each way, stride 2) -> [SELFY block, 32
channels, conv extraction (the paper's and the official choice), last BN zero-initialised as
the official code] -> TSM conv (stride 2) -> GAP -> linear -> average consensus; Adam lr 3e-3,
``STEPS`` steps of ``BATCH`` clips (150 x 4). Without the block the temporal shift mixes only
adjacent frames within a 3 x 3 receptive field, too small for a jump of 2 (stride 4) or 4
(stride 2) cells; the STSS compares each position with a 9 x 9 neighbourhood of the other frames.

Why the earlier version of this test showed no gain (plain TSM 0.77, + SELFY 0.72): its motion
was 4 px per frame = 1 cell at the stride-4 map where TSM's shifted 3 x 3 conv sits (TSM reads
it) but half a cell at the block's stride-8 STSS (the STSS cannot resolve it). Measured with
this file's network at 4 px per frame, seeds 0 / 1 / 2: + SELFY 0.906 / 1.000 / 1.000, plain
0.594 / 0.922 / 0.766.

Seeds (``python packages/selfy/tests/test_learning.py 0 11``; 2026-12-02, one thread, load
~2 on 2 cores, ~3 s per SELFY run, ~0.7 s without): the setting was chosen on seeds 0-2
(+ SELFY 0.859 / 0.828 / 0.766, plain 0.344 / 0.531 / 0.422), then fixed, and seeds 3-10 run
once: + SELFY 0.766 0.875 0.812 0.922 0.766 0.938 0.750 0.812 (min 0.750), plain 0.453 0.344
0.438 0.453 0.359 0.359 0.344 0.328 (max 0.453; chance 0.25); the gap is >= 0.297 on all 11
seeds. The test runs seed 3 (the first of the held-out sweep, fixed before it was run) and
asserts + SELFY >= 0.65 and >= plain + 0.2 (0.1 below the smallest value / gap seen).
"""
import sys
import time

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

T, SIZE, SPEED, STEPS, BATCH, LR = 8, 32, 8, 150, 4, 3e-3
DIRECTIONS = [(0, 1), (0, -1), (1, 0), (-1, 0)]
TEST_SEED = 3


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


def _cbr(c_in, c_out):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, 2, 1, bias=False), nn.BatchNorm2d(c_out),
                         nn.ReLU(inplace=True))


class TinyTSM(nn.Module):
    def __init__(self, with_block: bool, width: int = 16):
        super().__init__()
        import selfy  # noqa: F401
        from mmaction.models.backbones.resnet_tsm import TemporalShift
        from selfy.models import SELFYBlock
        self.stem = _cbr(3, width)  # 16 x 16
        self.s2 = TemporalShift(_cbr(width, 2 * width), num_segments=T, shift_div=8)  # 8 x 8
        self.s3 = TemporalShift(_cbr(2 * width, 4 * width), num_segments=T, shift_div=8)
        self.fc = nn.Linear(4 * width, 4)
        # built last, so that both models draw the same initial weights for the shared layers
        self.block = SELFYBlock(2 * width, width, num_segments=T, window=(5, 9, 9),
                                ext_channels=(2, 4, 8, 8), int_channels=(8, 8, 8, 8),
                                extraction='conv') if with_block else nn.Identity()

    def forward(self, x):
        n = x.shape[0]
        f = self.s3(self.block(self.s2(self.stem(x.flatten(0, 1))))).mean((2, 3))
        return self.fc(f).view(n, T, -1).mean(1)


def train_and_eval(with_block: bool, seed: int) -> float:
    x_train, y_train = motion_set(96, 100 + seed)
    x_val, y_val = motion_set(64, 200 + seed)
    torch.manual_seed(seed)
    net = TinyTSM(with_block)
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
def test_selfy_beats_the_same_tsm_without_it():
    torch.set_num_threads(1)
    # measured 2026-12-02, seed 3: TSM + SELFY 0.766, TSM 0.453 (chance 0.25; docstring)
    with_selfy = train_and_eval(True, seed=TEST_SEED)
    without = train_and_eval(False, seed=TEST_SEED)
    assert with_selfy >= 0.65, f'TSM + SELFY {with_selfy:.3f} (chance 0.25; TSM {without:.3f})'
    assert with_selfy >= without + 0.2, f'TSM + SELFY {with_selfy:.3f} vs TSM {without:.3f}'


if __name__ == '__main__':
    torch.set_num_threads(1)
    first, stop = (int(a) for a in (sys.argv[1:3] if len(sys.argv) > 2 else (0, 3)))
    for seed in range(first, stop):
        t0 = time.time()
        a = train_and_eval(True, seed)
        t1 = time.time()
        b = train_and_eval(False, seed)
        print(f'seed {seed}: TSM+SELFY {a:.3f} ({t1 - t0:.1f} s), TSM {b:.3f} '
              f'({time.time() - t1:.1f} s)', flush=True)
