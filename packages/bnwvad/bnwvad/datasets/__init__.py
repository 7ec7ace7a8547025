"""Data of bnwvad: packing, the normal-first sampler, the data check and the synthetic set
(the data set itself is cvshared's ``VideoAnomalyI3DFeatureDataset``)."""
from .features import BnwvadNormalAbnormalSampler, BnwvadPackFeatures, check_data, make_synthetic

__all__ = ['BnwvadNormalAbnormalSampler', 'BnwvadPackFeatures', 'check_data', 'make_synthetic']
