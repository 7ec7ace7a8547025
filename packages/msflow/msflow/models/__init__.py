"""MSFlow model components (registered in ``msflow.registry.MODELS``)."""
from .backbone import FrozenTimmExtractor
from .flows import (
                    ConvLNSubnet,
                    FusionCoupling,
                    FusionFlow,
                    FusionSubnet,
                    PermAllInOneBlock,
                    build_parallel_flow,
                    positional_encoding_2d,
)
from .msflow import MSFlow
from .scoring import anomaly_map_add, anomaly_map_mul, log_likelihood_maps, top_k_image_score

__all__ = ['ConvLNSubnet', 'FrozenTimmExtractor', 'FusionCoupling', 'FusionFlow', 'FusionSubnet',
           'MSFlow', 'PermAllInOneBlock', 'anomaly_map_add', 'anomaly_map_mul',
           'build_parallel_flow', 'log_likelihood_maps', 'positional_encoding_2d',
           'top_k_image_score']
