"""Models of webvideo_wsss (registered in :mod:`webvideo_wsss.registry`)."""
from .backbone import WebvideoWsssConvNet
from .classifier import WebvideoWsssClassifier

__all__ = ['WebvideoWsssConvNet', 'WebvideoWsssClassifier']
