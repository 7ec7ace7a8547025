"""HGPU (Pei et al., IEEE TIP 2023) on mmsegmentation 1.x: zero-shot video object segmentation
with a hierarchical graph over two frames and their optical flow.

``import cvshared`` comes first (stack fixes before any OpenMMLab import). Importing the package
registers the model (mmseg ``MODELS``: encoder, head, ConvGRU), the hook, and through
:mod:`cvshared.vos` / :mod:`cvshared.datasets.davis` / :mod:`cvshared.metrics.davis` the shared
blocks, the weighted BCE loss, the frame-pair data and the DAVIS J&F metric.
"""
import cvshared  # noqa: F401  (stack fixes first)
import cvshared.datasets.davis  # noqa: F401,E402  (VOS data sets and transforms)
import cvshared.metrics.davis  # noqa: F401,E402  (DAVISJFMetric)
import cvshared.vos  # noqa: F401,E402  (shared VOS blocks and WeightedBCELoss)

from . import hooks, models, registry  # noqa: F401,E402

__version__ = '0.1.0'
