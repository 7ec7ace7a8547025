"""Models of antico (registered in :mod:`antico.registry`): the anti-collapse loss. The
embedding model, the proxies' head and the Proxy Anchor loss are the shared
``cvshared.retrieval`` ones."""
from .losses import AntiCoLoss, coding_rate

__all__ = ['AntiCoLoss', 'coding_rate']
