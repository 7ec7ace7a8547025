"""Models of umil (registered in :mod:`umil.registry`)."""
from . import losses
from .preprocessor import UMILDataPreprocessor
from .recognizer import UMILRecognizer

try:  # the X-CLIP model (models/backbone.py), written beside this package's training side
    from .backbone import UMILXCLIP  # noqa: F401
except ImportError:  # pragma: no cover
    UMILXCLIP = None

__all__ = ['UMILDataPreprocessor', 'UMILRecognizer', 'UMILXCLIP', 'losses']
