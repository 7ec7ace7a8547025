"""The synthetic set of motionsqueeze: :func:`cvshared.datasets.something_synthetic.
write_synthetic_sthv2` (a stationary random texture translating with wrap-around; the class is
the direction of motion only, so no single frame carries the label), in the official SS-V2
layout read by ``SthV2Dataset``."""
from __future__ import annotations

NUM_CLASSES = 4  # right / left / down / up
# px per frame of the written 64 x 64 videos: 2 cells per frame of the stride-8 res3 map the MS
# module sees (the generator's default, 2 px, is a quarter of a cell there: measured, TSM-R18 +
# MS stayed at chance, 25.0 %, in the 6-epoch synthetic run)
SPEED = 16


def make_synthetic(root: str, num_train: int = 24, num_val: int = 12, num_frames: int = 16,
                   size: tuple[int, int] = (64, 64), seed: int = 0) -> dict:
    """Write the 4-class motion set (``num_train`` / ``num_val`` videos per class) under
    ``root`` (see :func:`cvshared.datasets.something_synthetic.write_synthetic_sthv2`)."""
    from cvshared.datasets.something_synthetic import write_synthetic_sthv2
    return write_synthetic_sthv2(root, num_classes=NUM_CLASSES, num_train=num_train,
                                 num_val=num_val, num_frames=num_frames, size=size, seed=seed,
                                 speeds=(SPEED,))

