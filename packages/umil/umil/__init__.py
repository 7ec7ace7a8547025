"""Package ``umil``, on mmaction:
Unbiased Multiple Instance Learning for Weakly Supervised Video Anomaly Detection (CVPR 2023).

``import cvshared`` comes first: it applies the stack fixes before any OpenMMLab import. The
registering modules follow, so ``custom_imports = dict(imports=['umil'])`` in a config
registers everything.
"""
import cvshared  # noqa: F401  (stack fixes first)
import cvshared.datasets.video_anomaly  # noqa: F401,E402  (the frame lists)
import cvshared.metrics.video_anomaly  # noqa: F401,E402  (the frame AUC)

from . import datasets, engine, hooks, models, registry, testing  # noqa: F401,E402

__version__ = '0.1.0'
