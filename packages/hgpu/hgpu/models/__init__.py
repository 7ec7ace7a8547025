"""HGPU model components (registered in mmseg's MODELS through :mod:`hgpu.registry`)."""
from .encoder import EDGES, MODES, HGPUEncoder
from .gru import ConvGRUCell
from .head import HGPUHead
from .segmentor import HGPUSegmentor, HGPUTTAModel

__all__ = ['ConvGRUCell', 'HGPUEncoder', 'HGPUHead', 'HGPUSegmentor', 'HGPUTTAModel', 'MODES',
           'EDGES']
