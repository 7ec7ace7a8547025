"""Package ``antico``, on mmpretrain: Anti-Collapse Loss for Deep Metric Learning Based on Coding
Rate Metric (Jiang et al., arXiv 2407.03106).

What is AntiCo's own lives here: :class:`~antico.models.AntiCoLoss` (the coding rate of the
embeddings or of the proxies, ``exp(-R)``), the proxy-similarity picture, the converter, the
configs and the tests against the official code. It composes with the shared losses of
``cvshared.retrieval`` (``ProxyAnchorLoss``, ``PMLLoss`` for multi-similarity) in the shared
``MetricLearningHead`` by config alone: ``head.loss=[dict(type='ProxyAnchorLoss', ...),
dict(type='AntiCoLoss', ...)]``.

``import cvshared`` comes first: it applies the stack fixes before any OpenMMLab import.
"""
import cvshared  # noqa: F401  (stack fixes first)
import cvshared.retrieval  # noqa: F401,E402  (the shared model, losses, sampler)

from . import hooks, models, registry  # noqa: F401,E402

__version__ = '0.1.0'
