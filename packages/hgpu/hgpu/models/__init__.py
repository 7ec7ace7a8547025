"""Models of hgpu (registered in :mod:`hgpu.registry`)."""
from .backbone import HgpuConvNet
from .classifier import HgpuClassifier

__all__ = ['HgpuConvNet', 'HgpuClassifier']
