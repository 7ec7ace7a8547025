"""MPerClassSampler: batch composition, determinism, epochs, ranks, errors."""
from collections import Counter

import numpy as np
import pytest
from cvshared.retrieval import MPerClassSampler


class _Labels:
    """A stand-in data set: only gt_label and the class names are read."""

    def __init__(self, labels, classes=None):
        self.labels = list(labels)
        self.metainfo = {'classes': classes} if classes else {}

    def __len__(self):
        return len(self.labels)

    def get_gt_labels(self):
        return np.array(self.labels)


def _batches(sampler):
    idx = list(sampler)
    return [idx[i:i + sampler.batch_size] for i in range(0, len(idx), sampler.batch_size)]


@pytest.mark.parametrize('m,batch', [(2, 8), (4, 12), (3, 9)])
def test_every_batch_has_m_images_of_distinct_classes(m, batch):
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), rng.integers(4, 15, 10))  # unequal class sizes
    ds = _Labels(labels)
    s = MPerClassSampler(ds, batch_size=batch, m=m, seed=1)
    batches = _batches(s)
    assert len(batches) == len(ds) // batch == s.num_batches
    for b in batches:
        assert len(b) == batch and len(set(b)) == batch  # no image twice in a batch
        counts = Counter(labels[b].tolist())
        assert set(counts.values()) == {m} and len(counts) == batch // m


def test_deterministic_per_seed_and_epoch():
    labels = np.repeat(np.arange(6), 6)
    a = MPerClassSampler(_Labels(labels), 6, 2, seed=3)
    b = MPerClassSampler(_Labels(labels), 6, 2, seed=3)
    assert list(a) == list(b)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first
    c = MPerClassSampler(_Labels(labels), 6, 2, seed=4)
    assert list(c) != first


def test_ranks_take_disjoint_whole_batches(monkeypatch):
    labels = np.repeat(np.arange(8), 5)
    plans = []
    for rank in (0, 1):
        monkeypatch.setattr('cvshared.retrieval.sampler.get_dist_info', lambda r=rank: (r, 2))
        s = MPerClassSampler(_Labels(labels), 4, 2, seed=0)
        plans.append(_batches(s))
    full = MPerClassSampler.plan(s)
    assert plans[0] == [list(full[i]) for i in range(0, len(full), 2)]
    assert plans[1] == [list(full[i]) for i in range(1, len(full), 2)]


def test_small_class_is_a_clear_error_naming_it():
    labels = [0] * 4 + [1] * 1 + [2] * 4
    with pytest.raises(ValueError, match=r"class 1 \('Bird_B'\) has 1 image"):
        MPerClassSampler(_Labels(labels, ('Bird_A', 'Bird_B', 'Bird_C')), 4, 2, seed=0)
    with pytest.raises(ValueError, match='class 2 has 3 image'):
        MPerClassSampler(_Labels([0] * 4 + [1] * 4 + [2] * 3), 8, 4, seed=0)
    # m = 1 still needs two images per class (a positive)
    with pytest.raises(ValueError, match='fewer than max'):
        MPerClassSampler(_Labels([0, 0, 1]), 2, 1, seed=0)


def test_batch_size_and_class_count_errors():
    labels = np.repeat(np.arange(3), 4)
    with pytest.raises(ValueError, match='multiple of m'):
        MPerClassSampler(_Labels(labels), 5, 2, seed=0)
    with pytest.raises(ValueError, match='needs 4 distinct classes'):
        MPerClassSampler(_Labels(labels), 8, 2, seed=0)
