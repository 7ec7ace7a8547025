"""The registries this package registers into: mmaction's (configs set
``default_scope = 'mmaction'``). One import place, so moving the package to another codebase
changes this file only."""
from mmaction.registry import DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS  # noqa: F401
