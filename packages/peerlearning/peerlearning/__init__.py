"""Package ``peerlearning``, on mmpretrain:
Webly Supervised Fine-Grained Recognition: Benchmark Datasets and An Approach (ICCV 2021).

``import cvshared`` comes first: it applies the stack fixes before any OpenMMLab import. The
registering modules follow, so ``custom_imports = dict(imports=['peerlearning'])`` in a config
registers everything.
"""
import cvshared  # noqa: F401  (stack fixes first)

from . import datasets, hooks, models, registry  # noqa: F401,E402

__version__ = '0.1.0'
