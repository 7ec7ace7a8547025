import os.path as osp

import hfan  # noqa: F401  (registers everything)
import pytest
import torch
from mmengine.registry import init_default_scope

init_default_scope('mmseg')  # as the configs' default_scope

GOLDEN = osp.join(osp.dirname(__file__), 'data', 'golden')


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)
    torch.manual_seed(0)
