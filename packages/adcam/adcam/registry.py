"""The registries this package registers into: mmseg's (configs set
``default_scope = 'mmseg'``). One import place, so moving the package to another codebase
changes this file only."""
from mmseg.registry import DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS  # noqa: F401
