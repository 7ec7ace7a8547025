"""The registries this package registers into: mmpretrain's (configs set
``default_scope = 'mmpretrain'``). One import place, so moving the package to another codebase
changes this file only."""
from mmpretrain.registry import DATASETS, HOOKS, LOOPS, METRICS, MODELS, TRANSFORMS  # noqa: F401
