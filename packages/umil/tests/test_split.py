"""The Stage-B split on synthetic score histories against argsort / np.percentile (card 6c)."""
import numpy as np
import pytest
from umil.split import ScoreHistory, num_segments, order_threshold, snippet_of_clips


def _history(rng, counts, epochs):
    h = ScoreHistory(counts, max_epochs=epochs)
    base = rng.random(sum(counts))
    spread = rng.random(sum(counts)) * 0.3
    for _ in range(epochs):
        p = np.clip(base + spread * rng.standard_normal(base.size), 0, 1)
        h.append(np.stack([1 - p, p], -1).astype(np.float32))
    return h


def test_split_against_argsort_and_percentile():
    rng = np.random.default_rng(0)
    counts = [20, 31, 17, 25]
    normal = [False, True, False, False]
    h = _history(rng, counts, 5)
    label, confident = h.split(normal, 0.3)
    hist = h.scores[:5]
    mean_label = hist.mean(0).argmax(-1)
    var = hist[:, :, 1].var(0)
    is_normal = np.repeat(normal, counts)
    assert confident[is_normal].all() and (label[is_normal] == 0).all()
    for c in (0, 1):
        sel = ~is_normal & (mean_label == c)
        v = var[sel]
        thr = v[np.argsort(v)][int(v.size * 0.3)]
        assert thr == np.percentile(v, 100 * int(v.size * 0.3) / (v.size - 1),
                                    method='nearest') or v.size < 2
        np.testing.assert_array_equal(confident[sel], v < thr)
        np.testing.assert_array_equal(label[sel], c)
        assert abs(confident[sel].mean() - int(v.size * 0.3) / v.size) < 1e-9  # distinct vars
    # the normal video's scores never enter the thresholds: changing them leaves the rest
    h.scores[:, 20:51, 1] = rng.random((5, 31))
    h.scores[:, 20:51, 0] = 1 - h.scores[:, 20:51, 1]
    label2, confident2 = h.split(normal, 0.3)
    np.testing.assert_array_equal(confident2, confident)


def test_history_errors_and_helpers():
    h = ScoreHistory([3, 2], max_epochs=1)
    with pytest.raises(ValueError, match='expected'):
        h.append(np.zeros((4, 2)))
    h.append(np.zeros((5, 2)))
    with pytest.raises(RuntimeError, match='>= 2 epochs'):
        h.split([False, True])
    with pytest.raises(RuntimeError, match='max_epochs'):
        h.append(np.zeros((5, 2)))
    assert order_threshold(np.array([]), 0.3) == -np.inf
    assert num_segments(65) == 3 and num_segments(64) == 2 and num_segments(30) == 1
    with pytest.raises(ValueError, match='empty or too short'):
        num_segments(3)
    inds = np.arange(16 * 5) * 3            # 16 clips x 5 frames over 240 frames
    np.testing.assert_array_equal(snippet_of_clips(inds, 240, 8, 5),
                                  (inds.reshape(16, 5)[:, 2] * 8) // 240)
