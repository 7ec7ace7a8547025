"""HP's data parts; the data sets and loaders are :mod:`cvshared.datasets.useg`."""
from .transforms import HPPhotometricView, PackHPInputs

__all__ = ['HPPhotometricView', 'PackHPInputs']
