import pytest


@pytest.fixture(scope='session')
def tiny_set(tmp_path_factory):
    """A small synthetic pose set (official layout): 24 train, 30 val images of 32 x 32."""
    from logratio.datasets import make_synthetic
    root = tmp_path_factory.mktemp('pose')
    make_synthetic(str(root), num_train=24, num_val=30, size=32, seed=0)
    return str(root)
