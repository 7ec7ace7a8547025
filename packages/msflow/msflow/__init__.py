"""MSFlow: Multi-Scale Flow-based Framework for Unsupervised Anomaly Detection (TNNLS 2024).

Importing the package registers the model (scope ``msflow``) and the shared MVTec AD / VisA
datasets and anomaly metrics it uses (mmengine's root registries).
"""
import cvshared  # noqa: F401  (stack fixes first)
import cvshared.datasets.mvtec  # noqa: F401  (registers MVTecADDataset, VisAMVTecDataset)
import cvshared.metrics.anomaly  # noqa: F401  (registers AnomalyImageAUROC, ...)

from . import hooks, models  # noqa: F401
from .registry import HOOKS, MODELS

__version__ = '0.1.0'
__all__ = ['HOOKS', 'MODELS', 'hooks', 'models']
