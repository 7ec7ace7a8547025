"""End to end on the synthetic set: the HP pipeline trains its head past both baselines on the
development seed. A regression check of the pipeline, NOT the issue's seed-robust claim.

Protocol (``benchmarks/learning_seeds.py::run_protocol``): ``hp.synthetic.make_synthetic``
(4 classes told apart by texture only, 32 training / 24 test images of 48 x 64, seed 0),
``configs/hp/hp_dino-tiny_synthetic.py`` (tiny random ViT, 80 iterations, seed 0); k-means
(K = 4) on each code of the test images at patch resolution, Hungarian mIoU of (b) the raw
ViT features, (a) the untrained head, (t) the trained head.

Measured on seed 0: b 47.0, a 47.4, t 59.6 (1 or 2 torch threads alike). Over the nine seeds of
the README (0-8) t - max(a, b) is 12.2, 16.8, 11.7, 2.5, 11.3, 1.0, -0.4, 0.3, 2.5: no margin
holds over seeds, so the README and issue 15 say HP's learning is NOT shown robustly on this
set. What this test guards is the pipeline on the one seed where the gain is clear: a broken
loss, pool or positive selection leaves the trained head at or below the untrained one. The
bar, t >= max(a, b) + 6, is half of seed 0's gain.
"""
import importlib.util
import os.path as osp

import pytest

HERE = osp.dirname(osp.abspath(__file__))


def _protocol():
    path = osp.join(HERE, '..', 'benchmarks', 'learning_seeds.py')
    spec = importlib.util.spec_from_file_location('hp_learning_seeds', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.run_protocol


@pytest.mark.slow
def test_trained_head_beats_the_untrained_head_and_raw_kmeans_on_seed_0(tmp_path, monkeypatch):
    r = _protocol()(0, tmp_path, monkeypatch)
    msg = f"raw {r['raw']:.1f}, untrained {r['untrained']:.1f}, trained {r['trained']:.1f}"
    print(msg)
    assert r['trained'] >= max(r['raw'], r['untrained']) + 6, msg
