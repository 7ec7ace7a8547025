"""HFAN-specific transforms (the VOS data sets themselves live in ``cvshared.datasets.davis``)."""
from .transforms import PairPhotoMetricDistortion

__all__ = ['PairPhotoMetricDistortion']
