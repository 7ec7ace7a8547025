"""The fast path (``MSFlow(fast_path=True)``, the default) against the reference path.

* The fixed channel permutation of the parallel flows as an index gather is bit-identical to
  FrEIA's dense 1x1 convolution with the one-hot ``w_perm`` (forward and reverse), also on
  channels-last inputs; a ``w_perm`` that is not a permutation falls back to the convolution.
* channels_last changes only float round-off: on the whole model the maps agree to
  ``MAP_ATOL`` = 1e-5 and the loss to 1e-6 relative (measured 5e-7 and 1e-7).
"""
import msflow  # noqa: F401
import pytest
import torch
from msflow.models import PermAllInOneBlock, build_parallel_flow, positional_encoding_2d
from msflow.registry import MODELS

MAP_ATOL = 1e-5


def _blocks(flow):
    return [m for m in flow.modules() if isinstance(m, PermAllInOneBlock)]


@pytest.mark.parametrize('channels_last', [False, True])
def test_index_permutation_is_bit_identical_to_the_convolution(channels_last):
    torch.manual_seed(0)
    flow = build_parallel_flow(12, 8, 3, 1.9)
    x = torch.randn(2, 12, 5, 7)
    cond = positional_encoding_2d(8, 5, 7).expand(2, -1, -1, -1)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    ref, ref_ld = flow(x, c=[cond])
    back_ref, _ = flow(ref, c=[cond], rev=True)
    for b in _blocks(flow):
        b.index_permute = True
    fast, fast_ld = flow(x, c=[cond])
    back_fast, _ = flow(fast, c=[cond], rev=True)
    assert torch.equal(fast, ref) and torch.equal(fast_ld, ref_ld)
    assert torch.equal(back_fast, back_ref)
    # the permutation really is one (not the identity), so the gather is exercised
    idx = _blocks(flow)[0]._perm_index(False)
    assert not torch.equal(idx, torch.arange(12))


def test_index_permutation_follows_loaded_weights_and_falls_back():
    torch.manual_seed(1)
    block = _blocks(build_parallel_flow(6, 4, 1, 1.9))[0]
    block.index_permute = True
    x = torch.randn(1, 6, 2, 2)
    before = block._perm_index(False).clone()
    new = torch.eye(6)[torch.randperm(6, generator=torch.Generator().manual_seed(5))]
    with torch.no_grad():
        block.w_perm.copy_(new.view(6, 6, 1, 1))
    after = block._perm_index(False)
    assert not torch.equal(before, after)
    torch.testing.assert_close(block._permute(x)[0], torch.nn.functional.conv2d(
        x * block.global_scale_activation(block.global_scale) + block.global_offset,
        block.w_perm), rtol=0, atol=0)
    with torch.no_grad():  # not a permutation: the convolution is used
        block.w_perm.copy_(torch.randn(6, 6, 1, 1))
    assert block._perm_index(False) is None
    block.index_permute = False
    ref = block._permute(x)[0]
    block.index_permute = True
    assert torch.equal(block._permute(x)[0], ref)


def _model(fast_path):
    return MODELS.build(dict(
        type='MSFlow', backbone=dict(type='FrozenTimmExtractor', model_name='resnet18'),
        cond_channels=16, parallel_blocks=(2, 2, 3), fast_path=fast_path,
        data_preprocessor=dict(type='ImgDataPreprocessor', mean=[128.] * 3, std=[64.] * 3)))


def test_fast_path_matches_the_reference_path_on_the_whole_model():
    torch.manual_seed(0)
    ref = _model(False).eval()
    with torch.no_grad():  # move the flows away from their near-identity init
        for p in ref.parameters():
            if p.requires_grad:
                p.add_(0.05 * torch.randn_like(p))
    fast = _model(True).eval()
    fast.load_state_dict(ref.state_dict(), strict=True)
    assert fast.fast_path and all(b.index_permute for b in _blocks(fast))
    assert not any(b.index_permute for b in _blocks(ref))
    assert fast.parallel_flows[0].module_list[0].subnet.conv_in.weight.is_contiguous(
        memory_format=torch.channels_last)
    x = torch.randn(2, 3, 64, 80) * 2
    with torch.no_grad():
        loss_r, loss_f = ref(x, mode='loss')['loss'], fast(x, mode='loss')['loss']
        pr, pf = ref(x, mode='predict'), fast(x, mode='predict')
    torch.testing.assert_close(loss_f, loss_r, rtol=1e-6, atol=0)
    for a, b in zip(pf, pr):
        torch.testing.assert_close(a.anomaly_map, b.anomaly_map, rtol=0, atol=MAP_ATOL)
        torch.testing.assert_close(a.anomaly_map_mul, b.anomaly_map_mul, rtol=0,
                                   atol=MAP_ATOL)
        torch.testing.assert_close(a.pred_score, b.pred_score, rtol=0, atol=MAP_ATOL)
    # switching the path back gives the reference numbers again
    fast.fast_path = False
    with torch.no_grad():
        assert torch.equal(fast(x, mode='loss')['loss'], loss_r)
