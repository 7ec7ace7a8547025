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
