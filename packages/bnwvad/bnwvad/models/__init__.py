"""Models of bnwvad (registered in :mod:`bnwvad.registry`)."""
from .bnwvad import BNWVAD, BnwvadDataPreprocessor
from .encoder import BnwvadTemporalEncoder, distance_kernel
from .head import BnwvadNormalHead, dfm, mpp_loss, normal_loss, select_samples

__all__ = ['BNWVAD', 'BnwvadDataPreprocessor', 'BnwvadTemporalEncoder', 'BnwvadNormalHead',
           'distance_kernel', 'dfm', 'mpp_loss', 'normal_loss', 'select_samples']
