"""What every package's visualization hook shares."""
from __future__ import annotations

import os.path as osp


def visualization_dir(runner, test_out_dir: str | None, default: str = 'vis') -> str:
    """Where a visualization hook writes its pictures, as mmseg's ``SegVisualizationHook``
    does: a relative ``test_out_dir`` (``tools/test.py --show-dir D``) is under
    ``<work_dir>/<timestamp>/``; an absolute one is used as it is."""
    out = test_out_dir or default
    return out if osp.isabs(out) else osp.join(runner.work_dir, runner.timestamp, out)
