"""The two optimisers of UMIL as one ``OptimWrapperDict`` (keys ``'mil'``, ``'umil'``).

``'mil'``: every trainable parameter (the official ``optimizer``: its ``not_have`` filter names
``anomaly_head`` / ``cluster_head``, which match nothing, so the heads are in it).
``'umil'``: ``umil_params`` selects its parameters:

- a tuple of name fragments (default ``('head_video', 'u_head_video')``, i.e. both heads, the
  paper's intent);
- ``'official'``: the official ``build_optimizer`` filter (``anomaly_head`` at lr x 0.1 and
  ``cluster_head``), which matches NO parameter of the X-CLIP model (its heads are
  ``head_video`` / ``u_head_video``): the official UMIL step updates nothing.
"""
from __future__ import annotations

import torch.nn as nn
from mmengine.optim import OptimWrapperDict
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS

OFFICIAL_UMIL_GROUPS = (('anomaly_head', 0.1), ('cluster_head', 1.0))


def umil_parameters(model: nn.Module, umil_params, lr: float, weight_decay: float):
    """Parameter groups of the UMIL optimiser (decay / no-decay as officially: 1-D and
    ``.bias`` parameters get no weight decay)."""
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    if umil_params == 'official':
        specs = OFFICIAL_UMIL_GROUPS
    elif isinstance(umil_params, (list, tuple)) and umil_params:
        specs = tuple((key, 1.0) for key in umil_params)
    else:
        raise ValueError("umil_params must be 'official' or a non-empty tuple of parameter "
                         f'name fragments, got {umil_params!r}')
    groups, taken = [], set()
    for key, mult in specs:
        decay, no_decay = [], []
        for n, p in named:
            if key in n.split('.') or (umil_params == 'official' and key in n):
                if id(p) in taken:
                    continue
                taken.add(id(p))
                (no_decay if p.ndim == 1 or n.endswith('.bias') else decay).append(p)
        groups += [dict(params=decay, lr=lr * mult, weight_decay=weight_decay),
                   dict(params=no_decay, lr=lr * mult, weight_decay=0.0)]
    if umil_params != 'official' and not taken:
        raise ValueError(f'umil_params {umil_params!r} match no parameter of the model')
    return groups


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class UMILOptimWrapperConstructor:
    """``optim_wrapper = dict(constructor='UMILOptimWrapperConstructor', mil=dict(...),
    umil=dict(...), umil_params=('head_video', 'u_head_video'))``; ``mil`` / ``umil`` are
    ordinary optim-wrapper configs (``type``, ``optimizer``, ``accumulative_counts``...)."""

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg=None):
        cfg = dict(optim_wrapper_cfg)
        self.umil_params = cfg.pop('umil_params', ('head_video', 'u_head_video'))
        self.mil_cfg, self.umil_cfg = dict(cfg.pop('mil')), dict(cfg.pop('umil'))

    @staticmethod
    def _wrapper(cfg: dict, params):
        cfg = dict(cfg)
        optimizer = dict(cfg.pop('optimizer'))
        optimizer['params'] = params
        cfg.setdefault('type', 'OptimWrapper')
        return OPTIM_WRAPPERS.build(cfg, default_args=dict(optimizer=OPTIMIZERS.build(optimizer)))

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        model = getattr(model, 'module', model)
        mil_params = [p for p in model.parameters() if p.requires_grad]
        opt = self.umil_cfg['optimizer']
        groups = umil_parameters(model, self.umil_params, opt['lr'],
                                 opt.get('weight_decay', 0.0))
        return OptimWrapperDict(mil=self._wrapper(self.mil_cfg, mil_params),
                                umil=self._wrapper(self.umil_cfg, groups))
