"""HFAN (Pei et al., ECCV 2022) on mmsegmentation 1.x.

Importing the package registers the model (mmseg ``MODELS``), the HFAN transforms and hook,
and the shared DAVIS data set, transforms and J&F metric (mmengine root registries).
"""
import cvshared  # noqa: F401  (stack fixes first)
import cvshared.datasets.davis  # noqa: F401  (registers the VOS data sets and transforms)
import cvshared.datasets.davis_synthetic  # noqa: F401
import cvshared.metrics.davis  # noqa: F401  (registers DAVISJFMetric)

from . import datasets, hooks, models  # noqa: F401

__version__ = '0.1.0'
