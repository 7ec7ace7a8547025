import os.path as osp

import hfan  # noqa: F401  (registers everything)
import pytest
import torch
from mmengine.registry import init_default_scope

GOLDEN = osp.join(osp.dirname(__file__), 'golden')


@pytest.fixture(autouse=True)
def _mmseg_scope_one_thread():
    # The repository's root conftest clears the default scope before each test; HFAN's
    # modules build their parts through mmseg's registries, as its configs' default_scope.
    init_default_scope('mmseg')
    torch.set_num_threads(1)
    torch.manual_seed(0)
