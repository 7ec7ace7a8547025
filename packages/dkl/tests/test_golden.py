"""Golden tensors of the official code (tests/golden/, written by tests/golden/make_golden.py
from a checkout of jiequancui/DKL; PROVENANCE.md says which commit and command).

* ``dkl_loss.pt``: the two official ``dkl_loss`` functions (KD with and without GI, AT with
  GI) on peaked, non-uniform float64 logits: loss and gradients.
* ``whole_at_step.pt``: the whole adversarial-training loss from raw images through the
  official WideResNet, ``perturb_input`` and ``CE + dkl_loss``: adversarial images, both
  losses, parameter gradients and the batch-norm statistics after the step.
All in float64: tolerances 1e-10 relative (sums of <= 10^5 terms in a different order).
"""
import os.path as osp

import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from dkl.models.losses import ikl_loss
from mmengine.registry import DefaultScope

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden')
LOSSES = load_checkpoint_file(osp.join(GOLDEN, 'dkl_loss.pt'))
RTOL = 1e-10


def _ours(name, o_m, o_n):
    call = LOSSES['cases'][name]['call']
    prior = LOSSES['prior'] if call['gi'] else None
    return ikl_loss(o_m, o_n, call['alpha'], call['beta'], call['temperature'],
                    class_prior=prior, labels=LOSSES['labels'],
                    weight_temperature=call.get('weight_temperature', 1.0))


@pytest.mark.parametrize('name', ['kd_nogi', 'kd_gi', 'at_gi'])
def test_loss_and_gradients_match_the_official_dkl_loss(name):
    case = LOSSES['cases'][name]
    o_m = LOSSES['o_m'].clone().requires_grad_('grad_m' in case)
    o_n = LOSSES['o_n'].clone().requires_grad_()
    loss = _ours(name, o_m, o_n)
    torch.testing.assert_close(loss.detach(), case['loss'], rtol=RTOL, atol=0)
    wrt = (o_m, o_n) if 'grad_m' in case else (o_n,)
    grads = torch.autograd.grad(loss, wrt)
    torch.testing.assert_close(grads[-1], case['grad_n'], rtol=RTOL, atol=1e-13)
    if 'grad_m' in case:   # IKL: the natural logits get the wMSE gradient too
        torch.testing.assert_close(grads[0], case['grad_m'], rtol=RTOL, atol=1e-13)
        assert case['grad_m'].abs().max() > 1e-2


def test_golden_logits_are_not_degenerate():
    p = torch.softmax(LOSSES['o_m'], 1)
    assert p.max(1).values.min() > 0.5                  # peaked predictions
    prior = LOSSES['prior']
    assert prior.max() > 5 * prior.min() * prior.shape[1]   # non-uniform class priors


def _at_model(golden):
    from dkl.convert import convert
    from dkl.registry import MODELS
    kw = golden['model_kwargs']
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(dict(
            type='IKLAdvClassifier', num_classes=kw['num_classes'],
            backbone=dict(type='DklWideResNet', depth=kw['depth'],
                          widen_factor=kw['widen_factor']),
            head=dict(type='LinearClsHead', num_classes=kw['num_classes'],
                      in_channels=64 * kw['widen_factor']),
            robust_loss=dict(type='IKLLoss', alpha=golden['alpha'], beta=golden['beta'],
                             use_gi=True),
            eps=golden['eps'], steps=golden['steps'],
            step_ratio=golden['step_size'] / golden['eps'], ramp=False))
    model.load_state_dict(convert({'module.' + k: v for k, v in
                                   golden['official_state_dict'].items()}), strict=True)
    model.double()
    model.class_prior.prior.copy_(golden['prior'])
    return model


def test_whole_adversarial_training_step_matches_official():
    from dkl.convert import RULES, _apply
    golden = load_checkpoint_file(osp.join(GOLDEN, 'whole_at_step.pt'))
    model = _at_model(golden)
    images, labels = golden['images'], golden['labels']
    torch.manual_seed(golden['attack_seed'])
    x_adv = model.craft(images, labels, golden['eps'])
    torch.testing.assert_close(x_adv, golden['x_adv'], rtol=0, atol=1e-12)
    assert (x_adv - images).abs().max() > 0.9 * golden['eps']     # the attack moved it
    model.train()
    losses = model.adversarial_losses(images, labels, x_adv)
    torch.testing.assert_close(losses['loss_ce'].detach(), golden['loss_natural'], rtol=RTOL,
                               atol=0)
    torch.testing.assert_close(losses['loss_ikl'].detach(), golden['loss_robust'], rtol=RTOL,
                               atol=0)
    params = dict(model.named_parameters())
    names = [_apply(RULES, n, -1) for n in golden['grads']]
    grads = torch.autograd.grad(losses['loss_ce'] + losses['loss_ikl'],
                                [params[n] for n in names])
    for name, ours in zip(golden['grads'], grads):
        torch.testing.assert_close(ours, golden['grads'][name], rtol=1e-8, atol=1e-12,
                                   msg=name)
    state = model.state_dict()
    for name, value in golden['running_mean_after'].items():
        torch.testing.assert_close(state[_apply(RULES, name, -1)], value, rtol=RTOL,
                                   atol=1e-14)


def test_harness_refuses_a_folder_that_is_not_a_checkout(tmp_path, capsys):
    import importlib.util
    spec = importlib.util.spec_from_file_location('make_golden',
                                                  osp.join(GOLDEN, 'make_golden.py'))
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    with pytest.raises(SystemExit):
        harness.main([str(tmp_path / 'no_checkout')])
    assert 'no_checkout' in capsys.readouterr().err
    with pytest.raises(FileNotFoundError, match='jiequancui/DKL'):
        harness.official_function(str(tmp_path), harness.KD_FILE)
