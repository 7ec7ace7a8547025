"""Package ``motionsqueeze``, on mmaction:
MotionSqueeze: Neural Motion Feature Learning for Video Understanding (Kwon, Kim, Kwak & Cho, ECCV
2020).

``import cvshared`` comes first: it applies the stack fixes before any OpenMMLab import. The
registering modules follow, so ``custom_imports = dict(imports=['motionsqueeze'])`` in a config
registers everything.
"""
import cvshared  # noqa: F401  (stack fixes first)
import cvshared.video.stage_blocks  # noqa: F401,E402  (ResNetTSMWithBlocks, the MS host)

from . import datasets, hooks, models, registry  # noqa: F401,E402

__version__ = '0.1.0'
