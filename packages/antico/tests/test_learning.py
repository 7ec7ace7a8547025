"""End to end on the synthetic CUB-layout set through the Runner: the synthetic config (Proxy
Anchor alpha 64 x 0.0035 + AntiCo batch_proxy, the official weights) beside the same config with
Proxy Anchor alone (alpha 32, weight 1), same seed, same recipe.

Measured (seed 0, 1 thread, load ~7, 12 epochs of 10 batches each, ~8 s of training each):

============================  ========  ==================  =========================
run                           R@1       R(test embeddings)  R(proxies) (max 11.33)
============================  ========  ==================  =========================
untrained                     0.167     -                   -
Proxy Anchor alone            0.406     17.53               11.20
Proxy Anchor + AntiCo         0.260     16.39               11.32
============================  ========  ==================  =========================

R = 1/2 log det(I + d / (n eps) Z^T Z), eps 0.5, over the 96 held-out test embeddings (d 64) or
the 8 proxies. On this set the paper's claim (AntiCo keeps the embedding's coding rate higher
and retrieves better) does NOT hold: AntiCo drives the proxies to orthogonality (its R reaches
the maximum 1/2 C log(1 + d / (C eps)) of C orthonormal vectors) but the embeddings of unseen
classes are less spread and Recall@1 is lower. What is asserted is what holds: both learn, and
AntiCo's proxies are at the orthogonal maximum and above Proxy Anchor's.
"""
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'configs', 'antico', 'antico_r18-tiny_synthetic.py')


def _run(tmp_path, name, losses=None):
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp_path / name)
    cfg.log_level = 'WARNING'
    cfg.default_hooks.checkpoint.interval = 100
    if losses is not None:
        cfg.model.head.loss = losses
    runner = Runner.from_cfg(cfg)
    before = runner.test()['synthetic/Recall@1']
    runner.train()
    from antico.models import coding_rate
    after = runner.test()['synthetic/Recall@1']
    proxies = torch.nn.functional.normalize(runner.model.head.proxies.detach(), dim=1)
    return before, after, float(coding_rate(proxies, eps=0.5))


@pytest.fixture
def one_thread():
    """One torch thread: beside another xdist worker on 2 cores, 2 threads each made this test
    take 10-109 s in the fresh-clone CI (15 s alone at one thread, same figures)."""
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


@pytest.mark.slow
def test_antico_and_proxy_anchor_alone_on_the_same_seed(tmp_path, monkeypatch, one_thread):
    from antico.paper import make_synthetic
    make_synthetic(str(tmp_path / 'data'))
    monkeypatch.setenv('DATA_ROOT', str(tmp_path / 'data'))
    before, with_antico, rate_antico = _run(tmp_path, 'antico')
    _, alone, rate_alone = _run(tmp_path, 'pa', [dict(type='ProxyAnchorLoss', alpha=32,
                                                      delta=0.1)])
    chance = 11 / 95
    assert alone >= before + 0.15, (before, alone)
    assert with_antico >= before + 0.05 and with_antico >= 1.5 * chance, (before, with_antico)
    c, d = 8, 64
    maximum = 0.5 * c * math.log(1 + d / (c * 0.5))     # C orthonormal proxies
    assert rate_antico >= maximum - 0.05, (rate_antico, maximum)
    assert rate_antico >= rate_alone + 0.05, (rate_antico, rate_alone)
