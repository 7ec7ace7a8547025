import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread_per_worker():
    # pytest -n 2 on a loaded 2-core machine: one intra-op thread per xdist worker. Measured
    # (load 10): a tiny MS-block forward 0.96 s with 2 threads, 3.4 ms with 1 (spin-waiting).
    torch.set_num_threads(1)
