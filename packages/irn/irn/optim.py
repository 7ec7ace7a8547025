"""IRN's optimisation as mmengine config pieces (``step/train_cam.py``, ``step/train_irn.py``,
``misc/torchutils.py::PolyOptimizer``).

Officially ``PolyOptimizer(params, lr, weight_decay, max_step)`` calls
``torch.optim.SGD(params, lr, weight_decay)`` *positionally*: the third argument of ``SGD`` is
``momentum``, so the official runs use **momentum = weight decay = 1e-4** (practically plain
SGD); the decay itself comes from the per-group dicts, and the attribute the class calls
``momentum`` (0.9) is the power of the poly schedule.  ``official_momentum=True`` (default)
reproduces that; ``False`` uses momentum 0.9, what the code evidently meant.  Both are
documented in the README; a config picks one.

Groups: CAM net backbone lr ``lr`` / classifier ``10 lr`` (0.1 / 1.0); IRNet boundary branch
``lr`` / displacement branch ``10 lr`` (0.1 / 1.0); weight decay 1e-4 on all; poly power 0.9.
"""
from __future__ import annotations


def optim_wrapper(net: str = 'cam', lr: float = 0.1, weight_decay: float = 1e-4,
                  official_momentum: bool = True) -> dict:
    """The ``optim_wrapper`` config of the CAM net (``net='cam'``) or IRNet (``'irn'``)."""
    if net == 'cam':
        keys = {'classifier': dict(lr_mult=10.0)}
    elif net == 'irn':
        keys = {'fc_dp': dict(lr_mult=10.0)}
    else:
        raise ValueError(f"net must be 'cam' or 'irn', got {net!r}")
    momentum = weight_decay if official_momentum else 0.9
    return dict(type='OptimWrapper',
                optimizer=dict(type='SGD', lr=lr, momentum=momentum, weight_decay=weight_decay),
                paramwise_cfg=dict(custom_keys=keys))


def poly_scheduler(max_epochs: int, power: float = 0.9) -> list:
    """``PolyLR`` to 0 over ``max_epochs``, stepped per iteration as officially
    (``convert_to_iter_based``: ``PolyOptimizer`` updates the rate every step)."""
    return [dict(type='PolyLR', power=power, eta_min=0.0, by_epoch=True, begin=0,
                 end=max_epochs, convert_to_iter_based=True)]
