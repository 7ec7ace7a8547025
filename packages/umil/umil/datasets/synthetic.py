"""The synthetic set of umil: the shared generator's UMIL raw-frame layout (UCF lists)."""
from __future__ import annotations

from cvshared.datasets.video_anomaly_synthetic import write_synthetic_umil_frames


def make_synthetic(root: str, num_train=(6, 6), num_test=(4, 4), size=(48, 64),
                   num_frames=(90, 150), seed: int = 0, context_bias: float = 0.0) -> dict:
    """Write ``<root>/frames/...`` and ``<root>/labels/UCF_{train,test}.txt``;
    ``context_bias > 0``: the scene-type bias UMIL targets (the shared generator's doc)."""
    return write_synthetic_umil_frames(root, 'ucf', num_train=tuple(num_train),
                                       num_test=tuple(num_test), size=tuple(size),
                                       num_frames=tuple(num_frames), seed=seed,
                                       context_bias=context_bias)
