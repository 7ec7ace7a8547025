"""Models of webvideo_wsss (registered in :mod:`webvideo_wsss.registry`): the VGG-16 body, the
CAM encoder (Sec. 3.1) and the class-agnostic decoder with the full encoder-decoder (Sec. 3.3,
3.4)."""
from .backbone import WebVideoVGG
from .decoder import WebVideoDecoder, WebVideoSegmentor, label_from_probs
from .encoder import WebVideoEncoder, normalize_cam

__all__ = ['WebVideoVGG', 'WebVideoEncoder', 'WebVideoDecoder', 'WebVideoSegmentor',
           'label_from_probs', 'normalize_cam']
