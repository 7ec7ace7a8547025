"""Models of collabmem (registered in mmaction2's ``MODELS`` through :mod:`collabmem.registry`)."""
from .backbone import CollabmemResNet3d
from .memory import CollaborativeMemory, associative_read
from .recognizer import CollabMemRecognizer3D

__all__ = ['CollaborativeMemory', 'associative_read', 'CollabmemResNet3d',
           'CollabMemRecognizer3D']
