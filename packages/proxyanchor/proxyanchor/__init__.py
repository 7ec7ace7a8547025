"""Package ``proxyanchor``, on mmpretrain:
Proxy Anchor Loss for Deep Metric Learning (Kim, Kim, Cho, Kwak; CVPR 2020).

The loss, the embedding model, the data sets, the sampler and the metrics are shared
(``cvshared.retrieval``, ``cvshared.datasets.retrieval``, ``cvshared.metrics.retrieval``: AntiCo
reuses them); this package holds what is Proxy Anchor's own: the official warm-up
(:class:`~proxyanchor.hooks.BackboneWarmupHook`), the retrieval-grid visualization, the
checkpoint converter, the configs of the paper's tables and the tests against the official code.

``import cvshared`` comes first: it applies the stack fixes before any OpenMMLab import. The
registering modules follow, so ``custom_imports = dict(imports=['proxyanchor'])`` in a config
registers everything.
"""
import cvshared  # noqa: F401  (stack fixes first)
import cvshared.retrieval  # noqa: F401,E402  (the shared loss, model, sampler)

from . import hooks, registry  # noqa: F401,E402

__version__ = '0.1.0'
