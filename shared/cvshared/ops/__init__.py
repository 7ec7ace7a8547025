"""Pure-PyTorch ops used by two or more papers (device-agnostic; shapes in each docstring).

- :mod:`.correlation`: local correlation over a displacement window (MotionSqueeze, SELFY) and
  spatio-temporal self-similarity (SELFY's STSS).
- :mod:`.soft_argmax`: kernel soft-argmax from a correlation volume to flow and confidence
  (MotionSqueeze).
- :mod:`.topk`: perturbed-maximum differentiable top-K and hard top-K (STTS, TW-BERT).
- :mod:`.affinity`: radius-limited pixel pairs, affinities and random-walk propagation
  (AffinityNet/PSA, IRNet, AD-CAM).

Tables of tests and benchmarks: ``shared/README.md``.
"""
from . import affinity, correlation, soft_argmax, topk
from .affinity import (
                       PathIndex,
                       get_indices_of_pairs,
                       propagate_to_edge,
                       random_walk,
                       random_walk_dense,
                       transition_matrix,
)
from .correlation import (
                       cosine_local_correlation,
                       l2_normalize,
                       local_correlation,
                       spatio_temporal_self_similarity,
)
from .soft_argmax import kernel_soft_argmax
from .topk import (
                       PerturbedTopK,
                       gather_by_indicator,
                       gather_by_indices,
                       hard_topk_indicator,
                       hard_topk_indices,
                       linear_sigma_decay,
                       perturbed_topk,
)

__all__ = [
    'affinity', 'correlation', 'soft_argmax', 'topk',
    'PathIndex', 'get_indices_of_pairs', 'propagate_to_edge', 'random_walk',
    'random_walk_dense', 'transition_matrix',
    'cosine_local_correlation', 'l2_normalize', 'local_correlation',
    'spatio_temporal_self_similarity', 'kernel_soft_argmax',
    'PerturbedTopK', 'gather_by_indicator', 'gather_by_indices', 'hard_topk_indicator',
    'hard_topk_indices', 'linear_sigma_decay', 'perturbed_topk',
]
