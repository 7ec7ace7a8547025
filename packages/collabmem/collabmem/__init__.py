"""Package ``collabmem``, on mmaction2: Beyond Short Clips: End-to-End Video-Level Learning with
Collaborative Memories (Yang et al., CVPR 2021).

``import cvshared`` comes first: it applies the stack fixes before any OpenMMLab import. The
registering modules follow, so ``custom_imports = dict(imports=['collabmem'])`` in a config
registers everything.
"""
import cvshared  # noqa: F401  (stack fixes first)

from . import datasets, hooks, models, registry  # noqa: F401,E402

__version__ = '0.1.0'
