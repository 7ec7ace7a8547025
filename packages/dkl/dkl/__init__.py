"""Package ``dkl``, on mmpretrain:
Decoupled Kullback-Leibler Divergence Loss (NeurIPS 2024).

``import cvshared`` comes first: it applies the stack fixes before any OpenMMLab import. The
registering modules follow, so ``custom_imports = dict(imports=['dkl'])`` in a config
registers everything.
"""
import cvshared  # noqa: F401  (stack fixes first)

from . import datasets, engine, hooks, metrics, models, registry  # noqa: F401,E402

__version__ = '0.1.0'
