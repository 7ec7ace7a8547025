"""Models of hcpn (registered in :mod:`hcpn.registry`, i.e. mmseg's ``MODELS``)."""
from .backbone import HCPNEncoder
from .crf import davis_crf
from .decoder import HCPNDecoder
from .segmentor import HCPN

__all__ = ['HCPNEncoder', 'HCPNDecoder', 'HCPN', 'davis_crf']
