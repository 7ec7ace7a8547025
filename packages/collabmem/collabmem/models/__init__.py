"""Models of collabmem (registered in mmaction2's ``MODELS`` through :mod:`collabmem.registry`)."""
from cvshared.video.stage_blocks import ResNet3dWithBlocks

from .memory import CollaborativeMemory, associative_read
from .recognizer import CollabMemRecognizer3D

__all__ = ['CollaborativeMemory', 'associative_read', 'ResNet3dWithBlocks',
           'CollabMemRecognizer3D']
