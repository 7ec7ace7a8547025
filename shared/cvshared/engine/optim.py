"""One optimiser per part of a model, as an ``OptimWrapperDict`` (official codes that step
several optimisers from one backward: STEGO / HP / PPAP's network, projection head and probes).

Config::

    optim_wrapper = dict(
        constructor='SubmoduleOptimWrapperConstructor',
        net=dict(modules=('head',), optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.1),
                 clip_grad=dict(max_norm=10)),
        linear=dict(modules=('linear_probe',), optimizer=dict(type='Adam', lr=1e-3)),
        cluster=dict(modules=('cluster_probe',), optimizer=dict(type='Adam', lr=5e-3)))

Each entry is an ordinary optim-wrapper config (``type`` default ``OptimWrapper``,
``optimizer``, ``clip_grad``, ...) plus ``modules``: dotted attribute paths of the model whose
trainable parameters it steps. ``clip_grad`` of an entry clips that entry's parameters only (the
official clips the network alone). Every trainable parameter must belong to exactly one entry:
a parameter in two entries, or in none, is an error (nothing trains twice or silently not at
all). The model's ``train_step`` backpropagates once and steps every wrapper (see
:func:`step_all`).
"""
from __future__ import annotations

import torch.nn as nn
from mmengine.optim import OptimWrapperDict
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS

__all__ = ['SubmoduleOptimWrapperConstructor', 'step_all']


def _submodule(model: nn.Module, path: str) -> nn.Module:
    mod = model
    for part in path.split('.'):
        if not hasattr(mod, part):
            raise ValueError(f'optim_wrapper: the model ({type(model).__name__}) has no '
                             f'submodule {path!r}')
        mod = getattr(mod, part)
    if not isinstance(mod, (nn.Module, nn.Parameter)):
        raise ValueError(f'optim_wrapper: {path!r} is a {type(mod).__name__}, not a module')
    return mod


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SubmoduleOptimWrapperConstructor:
    """Builds ``OptimWrapperDict(name=OptimWrapper(...))`` from the module docstring's config."""

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg=None):
        if paramwise_cfg:
            raise ValueError('SubmoduleOptimWrapperConstructor: paramwise_cfg is not '
                             'supported; give the parts their own entries instead')
        self.cfgs = {k: dict(v) for k, v in dict(optim_wrapper_cfg).items()}
        if not self.cfgs:
            raise ValueError('SubmoduleOptimWrapperConstructor: no optimiser entries')
        for name, cfg in self.cfgs.items():
            if 'modules' not in cfg or 'optimizer' not in cfg:
                raise ValueError(f'optim_wrapper.{name}: needs "modules" and "optimizer"')

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        model = getattr(model, 'module', model)
        owner: dict[int, str] = {}
        wrappers = {}
        for name, cfg in self.cfgs.items():
            cfg = dict(cfg)
            params = []
            for path in cfg.pop('modules'):
                mod = _submodule(model, path)
                ps = [mod] if isinstance(mod, nn.Parameter) else list(mod.parameters())
                for p in ps:
                    if not p.requires_grad:
                        continue
                    if id(p) in owner:
                        raise ValueError(f'optim_wrapper: a parameter of {path!r} is in both '
                                         f'{owner[id(p)]!r} and {name!r}')
                    owner[id(p)] = name
                    params.append(p)
            if not params:
                raise ValueError(f'optim_wrapper.{name}: its modules have no trainable '
                                 'parameter')
            optimizer = dict(cfg.pop('optimizer'), params=params)
            cfg.setdefault('type', 'OptimWrapper')
            wrappers[name] = OPTIM_WRAPPERS.build(
                cfg, default_args=dict(optimizer=OPTIMIZERS.build(optimizer)))
        left = [n for n, p in model.named_parameters() if p.requires_grad and id(p) not in owner]
        if left:
            raise ValueError(f'optim_wrapper: trainable parameters in no entry: {left[:6]} '
                             f'({len(left)} in all); add their module to an entry\'s '
                             '"modules" or freeze them')
        return OptimWrapperDict(**wrappers)


def step_all(optim_wrapper: OptimWrapperDict, loss) -> None:
    """One backward of ``loss``, then ``step`` (each wrapper clips its own parameters when its
    config says so) and ``zero_grad`` of every wrapper, in config order."""
    wrappers = list(optim_wrapper.values())
    wrappers[0].backward(loss)
    for w in wrappers:
        w.step()
        w.zero_grad()
