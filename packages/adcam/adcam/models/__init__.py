"""Models of adcam (registered in :mod:`adcam.registry`)."""
from .backbone import AdcamConformer
from .cam_net import AdcamCAMNet
from .coupling import (
                       aggregate_attention,
                       common_neighbour_similarity,
                       couple,
                       diffuse,
                       refine_attention,
                       transcam_coupling,
)

__all__ = ['AdcamConformer', 'AdcamCAMNet', 'aggregate_attention', 'common_neighbour_similarity',
           'couple', 'diffuse', 'refine_attention', 'transcam_coupling']
