"""Data of umil: UMIL's clip sampling, the weak / strong views and the packing (the frame lists
are read by the shared ``cvshared.datasets.VideoAnomalyRawFrameDataset``)."""
from .synthetic import make_synthetic
from .transforms import UMILPackInputs, UMILSegmentClips, UMILWeakStrongViews, strong_view_transform

__all__ = ['UMILPackInputs', 'UMILSegmentClips', 'UMILWeakStrongViews', 'make_synthetic',
           'strong_view_transform']
