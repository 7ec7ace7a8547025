"""Deep metric learning on mmpretrain (issue 13: Proxy Anchor, AntiCo, log-ratio).

Import paths (all registered in mmengine's root registries on import of this package):

* models (``MODELS``): :class:`~.model.EmbeddingRetriever`, :class:`~.model.EmbeddingNeck`,
  :class:`~.model.MetricLearningHead`; losses :class:`~.losses.ProxyAnchorLoss`,
  :class:`~.losses.PMLLoss` (any pytorch-metric-learning loss / miner).
* sampler (``DATA_SAMPLERS``): :class:`~.sampler.MPerClassSampler`.
* datasets / metrics are imported too (``cvshared.datasets.retrieval``: ``CUBRetrieval``,
  ``Cars196Retrieval``, ``SOPRetrieval``, ``InShopRetrieval``; ``cvshared.metrics.retrieval``:
  ``DMLRetrievalMetric``, ``ContinuousNDCGMetric``), so ``custom_imports=['cvshared.retrieval']``
  registers everything a retrieval config needs.
"""
from ..datasets import retrieval as _datasets  # noqa: F401  (registers the data sets)
from ..metrics import retrieval as _metrics  # noqa: F401  (registers the metrics)
from ..metrics.retrieval import knn_search, retrieval_scores
from .losses import PMLLoss, ProxyAnchorLoss, masked_log1p_sum_exp
from .model import EmbeddingNeck, EmbeddingRetriever, MetricLearningHead, l2_norm
from .sampler import MPerClassSampler

__all__ = ['EmbeddingNeck', 'EmbeddingRetriever', 'MetricLearningHead', 'l2_norm',
           'ProxyAnchorLoss', 'PMLLoss', 'masked_log1p_sum_exp', 'MPerClassSampler',
           'knn_search', 'retrieval_scores']
