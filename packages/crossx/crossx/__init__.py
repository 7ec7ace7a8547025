"""Package ``crossx``, on mmpretrain: Cross-X Learning for Fine-Grained Visual Categorization
(Luo et al., ICCV 2019, arXiv 1909.04412).

``import cvshared`` comes first: it applies the stack fixes before any OpenMMLab import. The
registering modules follow, so ``custom_imports = dict(imports=['crossx'])`` in a config
registers everything.
"""
import cvshared  # noqa: F401  (stack fixes first)

from . import datasets, hooks, models, registry  # noqa: F401,E402

__version__ = '0.1.0'
