"""STTS: Efficient Video Transformers with Spatial-Temporal Token Selection (ECCV 2022).

Importing the package registers the STTS backbones, selectors and the sigma-decay hook in
mmaction2's registries (``default_scope='mmaction'``).
"""
import cvshared  # noqa: F401  (stack fixes first)

from . import datasets, hooks, models  # noqa: F401,E402

__version__ = '0.1.0'
