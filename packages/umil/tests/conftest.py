import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread_per_worker():
    # pytest -n 2 on 2 cores: one intra-op thread per xdist worker (more threads only contend
    # with the other worker and spin-wait; the learning test took 4x longer with 2 threads)
    torch.set_num_threads(1)
