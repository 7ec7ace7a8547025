"""Models of logratio (registered in :mod:`logratio.registry`)."""
from .losses import (
                     BinaryTripletLoss,
                     DenseTripletLoss,
                     LogRatioLoss,
                     binary_triplet_loss,
                     dense_triplet_loss,
                     log_ratio_loss,
)
from .retriever import LogratioRetriever

__all__ = ['BinaryTripletLoss', 'DenseTripletLoss', 'LogRatioLoss', 'LogratioRetriever',
           'binary_triplet_loss', 'dense_triplet_loss', 'log_ratio_loss']
