"""Package ``ppap``, on mmseg:
Progressive Proxy Anchor Propagation for Unsupervised Semantic Segmentation (ECCV 2024).

``import cvshared`` comes first: it applies the stack fixes before any OpenMMLab import. The
registering modules follow, so ``custom_imports = dict(imports=['ppap'])`` in a config
registers everything: the segmentor, and the shared unsupervised-segmentation data sets,
transforms, metric, optimiser constructor and pictures hook it uses.
"""
import cvshared  # noqa: F401  (stack fixes first)
import cvshared.datasets.useg  # noqa: F401,E402  (CocoStuff27Dataset, ..., LoadUSegImage)
import cvshared.engine.optim  # noqa: F401,E402  (SubmoduleOptimWrapperConstructor)
import cvshared.metrics.unsupervised_seg  # noqa: F401,E402  (UnsupervisedSegMetric)
import cvshared.useg.visualization  # noqa: F401,E402  (USegVisualizationHook)

from . import hooks, models, registry  # noqa: F401,E402

__version__ = '0.1.0'
