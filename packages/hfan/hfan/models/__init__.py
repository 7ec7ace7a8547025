"""HFAN model components (registered in mmseg's MODELS)."""
from .backbone import FrameFlowBackbone
from .data_preprocessor import FrameFlowDataPreProcessor
from .fusion import FeatureAdaptation, FeatureAlignment, HierarchicalFeatureAlignment
from .head import HFANHead

__all__ = ['FrameFlowBackbone', 'FrameFlowDataPreProcessor', 'FeatureAlignment',
           'FeatureAdaptation', 'HierarchicalFeatureAlignment', 'HFANHead']
