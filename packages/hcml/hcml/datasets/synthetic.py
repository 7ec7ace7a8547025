"""The synthetic set of hcml: :func:`cvshared.datasets.something_synthetic.write_synthetic_sthv2`
(a stationary random texture translating with wrap-around; the class is the direction of the
motion only, so no single frame carries the label), in the released SS-V2 layout read by
``SthV2Dataset``. Motion must be computed from the appearance of adjacent frames: a 2D
backbone averaging per-frame scores (TSN) stays at chance."""
from __future__ import annotations

NUM_CLASSES = 4  # right / left / down / up
# px per frame of the written 64 x 64 videos. The 8 test segments of a 16-frame video are 2
# frames apart, so adjacent sampled frames move 4 px = one cell of the stride-4 map of the first
# motion level (ResNet layer1), where the 3x3 motion encoder (E2) sees it (4 px per frame, i.e.
# 2 cells per sampled pair, did not learn in 144 steps: 29.2 % vs TSN 31.2 %)
SPEED = 2


def make_synthetic(root: str, num_train: int = 24, num_val: int = 12, num_frames: int = 16,
                   size: tuple[int, int] = (64, 64), seed: int = 0) -> dict:
    """Write the 4-class motion set (``num_train`` / ``num_val`` videos per class) under
    ``root`` (see :func:`cvshared.datasets.something_synthetic.write_synthetic_sthv2`)."""
    from cvshared.datasets.something_synthetic import write_synthetic_sthv2
    return write_synthetic_sthv2(root, num_classes=NUM_CLASSES, num_train=num_train,
                                 num_val=num_val, num_frames=num_frames, size=size, seed=seed,
                                 speeds=(SPEED,))

