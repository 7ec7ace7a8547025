"""Models of collabmem (registered in :mod:`collabmem.registry`)."""
from .backbone import CollabmemConvNet
from .classifier import CollabmemClassifier

__all__ = ['CollabmemConvNet', 'CollabmemClassifier']
