"""cvshared.harness: official ``.cuda()`` calls run on the CPU inside the block only."""
import pytest
import torch
from cvshared.harness import cuda_calls_on_cpu


@pytest.mark.skipif(torch.cuda.is_available(), reason='patches only without a CUDA device')
def test_cuda_calls_are_the_identity_inside_the_block_only():
    x, m = torch.ones(2), torch.nn.Linear(2, 2)
    with pytest.raises((RuntimeError, AssertionError)):
        x.cuda()   # a CPU machine: the official call fails
    with cuda_calls_on_cpu(sync=True):
        assert x.cuda() is x and m.cuda() is m
        assert torch.cuda.synchronize() is None and torch.cuda.max_memory_allocated() == 0
    with pytest.raises((RuntimeError, AssertionError)):
        x.cuda()   # restored
    with pytest.raises(RuntimeError), cuda_calls_on_cpu():
        raise RuntimeError('the official code fails')
    with pytest.raises((RuntimeError, AssertionError)):
        m.cuda()   # restored after an error too


def test_time_interleaved_alternates_after_one_warm_up_each(monkeypatch):
    """A B A B after one warm-up each, and each pair's ratio is official / ours of that pair."""
    import time

    from cvshared.harness import time_interleaved
    calls, ticks = [], {'t': 0.0}

    def step(name, cost):
        def run():
            calls.append(name)
            ticks['t'] += cost
        return run

    monkeypatch.setattr(time, 'perf_counter', lambda: ticks['t'])
    result = time_interleaved(step('ours', 1.0), step('official', 3.0), rounds=3)
    assert calls == ['ours', 'official'] * 4
    assert result['ratios'] == [3.0, 3.0, 3.0] and result['official_over_ours'] == 3.0
    assert (result['ours_ms'], result['official_ms'], result['rounds']) == (1000.0, 3000.0, 3)
    torch.set_flush_denormal(False)


def test_saved_for_backward_bytes_counts_what_autograd_keeps():
    """exp saves its output: one [64, 32] float32 tensor = 8192 bytes; a no-grad step saves
    nothing."""
    from cvshared.harness import saved_for_backward_bytes
    x = torch.randn(64, 32, requires_grad=True)
    value, saved = saved_for_backward_bytes(lambda: float(torch.exp(x).sum()))
    assert saved == 64 * 32 * 4 and value == pytest.approx(float(torch.exp(x).sum()))
    with torch.no_grad():
        assert saved_for_backward_bytes(lambda: torch.exp(x).sum())[1] == 0
