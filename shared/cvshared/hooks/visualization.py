"""What every package's visualization hook shares."""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
from mmengine.hooks import Hook
from PIL import Image


def visualization_dir(runner, test_out_dir: str | None, default: str = 'vis') -> str:
    """Where a visualization hook writes its pictures, as mmseg's ``SegVisualizationHook``
    does: a relative ``test_out_dir`` (``tools/test.py --show-dir D``) is under
    ``<work_dir>/<timestamp>/``; an absolute one is used as it is."""
    out = test_out_dir or default
    return out if osp.isabs(out) else osp.join(runner.work_dir, runner.timestamp, out)


class SampleVisualizationHook(Hook):
    """The test-time picture hook of a paper package (the mmseg ``SegVisualizationHook``
    contract): when ``draw``, every ``interval``-th test batch's outputs are drawn, one picture
    per sample, to ``<work_dir>/<timestamp>/<test_out_dir>/<name>.png``.

    A package subclasses it and implements :meth:`draw_output` (which calls the package's pure
    ``draw_sample``); the subclass is registered in the package's registry."""

    def __init__(self, draw: bool = False, test_out_dir: str | None = None, interval: int = 1):
        self.draw = draw
        self.test_out_dir = test_out_dir
        self.interval = interval

    def draw_output(self, sample, batch_idx: int) -> tuple[str, np.ndarray]:
        """``(file stem, H x W x 3 uint8 picture)`` of one test output."""
        raise NotImplementedError

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not self.draw or self.test_out_dir is None or batch_idx % self.interval:
            return
        out_dir = visualization_dir(runner, self.test_out_dir)
        os.makedirs(out_dir, exist_ok=True)
        for sample in outputs:
            name, drawing = self.draw_output(sample, batch_idx)
            Image.fromarray(drawing).save(osp.join(out_dir, name.replace('/', '_') + '.png'))
