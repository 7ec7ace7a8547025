"""Package ``selfy``, on mmaction:
Learning Self-Similarity in Space and Time as Generalized Motion for Video Action Recognition (Kwon,
Kim, Kwak & Cho, ICCV 2021).

``import cvshared`` comes first: it applies the stack fixes before any OpenMMLab import. The
registering modules follow, so ``custom_imports = dict(imports=['selfy'])`` in a config
registers everything.
"""
import cvshared  # noqa: F401  (stack fixes first)

from . import datasets, hooks, metrics, models, registry  # noqa: F401,E402

__version__ = '0.1.0'
