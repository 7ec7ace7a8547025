"""Linear decay of the perturbed top-K noise scale (STTS ``update_sigma``)."""
from __future__ import annotations

from cvshared.ops.topk import linear_sigma_decay
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper


def _backbone(runner):
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    backbone = getattr(model, 'backbone', model)
    if not hasattr(backbone, 'set_sigma') or not hasattr(backbone, 'sigma_max'):
        raise TypeError(f'SigmaDecayHook needs an STTS backbone (with set_sigma / sigma_max); '
                        f'got {type(backbone).__name__}. Remove the hook or use '
                        'STTSSwinTransformer3D / STTSMViT.')
    return backbone


@HOOKS.register_module()
class SigmaDecayHook(Hook):
    """Before every training iteration set ``sigma = sigma_max (1 - iter / max_iters)``.

    STTS (MViT, ``train_net.py``) calls ``update_sigma(cur_step, total_steps)`` each iteration
    with ``cur_step = epoch * iters_per_epoch + iter``; mmengine's ``runner.iter`` is the same
    global step. The STTS VideoSwin code never calls it (sigma stays 0.05): configs for that
    setting omit the hook.
    """

    priority = 'NORMAL'

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        backbone = _backbone(runner)
        backbone.set_sigma(linear_sigma_decay(backbone.sigma_max, runner.iter, runner.max_iters))
