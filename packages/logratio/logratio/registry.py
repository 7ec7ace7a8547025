"""The registries this package registers into: mmpretrain's (configs set
``default_scope = 'mmpretrain'``), and mmengine's root ``FUNCTIONS`` for the collate function
(mmpretrain has no child registry for it). One import place, so moving the package to another
codebase changes this file only."""
from mmengine.registry import FUNCTIONS  # noqa: F401
from mmpretrain.registry import (  # noqa: F401
                                 DATA_SAMPLERS,
                                 DATASETS,
                                 HOOKS,
                                 METRICS,
                                 MODELS,
                                 PARAM_SCHEDULERS,
                                 TRANSFORMS,
)
