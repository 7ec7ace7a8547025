"""Child registries of mmengine's roots for the ``msflow`` scope (``default_scope='msflow'``).

MSFlow's own modules go in ``MODELS`` and ``HOOKS``. The other children exist so that building
a runner under the ``msflow`` scope finds mmengine's loops, optimizers, schedulers, ... without
"failed to search registry with scope" warnings; the shared MVTec/VisA datasets, transforms and
anomaly metrics live in mmengine's root registries and are found by parent lookup.
"""
from mmengine import registry as root
from mmengine.registry import Registry


def _child(parent: Registry, locations: list[str] | None = None) -> Registry:
    return Registry(parent.name, parent=parent, scope='msflow', locations=locations or [])


MODELS = _child(root.MODELS, ['msflow.models'])
HOOKS = _child(root.HOOKS, ['msflow.hooks'])
DATASETS = _child(root.DATASETS)
TRANSFORMS = _child(root.TRANSFORMS)
DATA_SAMPLERS = _child(root.DATA_SAMPLERS)
METRICS = _child(root.METRICS)
EVALUATOR = _child(root.EVALUATOR)
LOOPS = _child(root.LOOPS)
RUNNERS = _child(root.RUNNERS)
RUNNER_CONSTRUCTORS = _child(root.RUNNER_CONSTRUCTORS)
OPTIMIZERS = _child(root.OPTIMIZERS)
OPTIM_WRAPPERS = _child(root.OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = _child(root.OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = _child(root.PARAM_SCHEDULERS)
WEIGHT_INITIALIZERS = _child(root.WEIGHT_INITIALIZERS)
MODEL_WRAPPERS = _child(root.MODEL_WRAPPERS)
VISUALIZERS = _child(root.VISUALIZERS)
VISBACKENDS = _child(root.VISBACKENDS)
LOG_PROCESSORS = _child(root.LOG_PROCESSORS)
INFERENCERS = _child(root.INFERENCERS)
FUNCTIONS = _child(root.FUNCTIONS)
TASK_UTILS = _child(root.TASK_UTILS)
