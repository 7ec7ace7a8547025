"""The Hungarian metric and the STEGO dense CRF against the official HP code (golden data:
shared/tests/data/useg/golden.pt, PROVENANCE.md)."""
from pathlib import Path

import numpy as np
import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from cvshared.metrics.unsupervised_seg import UnsupervisedSegMetric
from cvshared.wsss.crf import crf_from_logits, stego_crf_image

GOLDEN = load_checkpoint_file(Path(__file__).resolve().parents[1] / 'data' / 'useg' / 'golden.pt')


@pytest.mark.parametrize('probe,hungarian', [('cluster', True), ('linear', False)])
def test_metric_equals_the_official_unsupervised_metrics(probe, hungarian):
    g = GOLDEN['metric']
    metric = UnsupervisedSegMetric(num_classes=g['n_classes'], hungarian=hungarian)
    for pred, target in g['batches']:
        metric.process(None, [dict(pred=p.long(), gt=t.long()) for p, t in zip(pred, target)])
    ours = metric.compute_metrics(metric.results)
    official = g[probe]
    assert ours['mIoU'] == pytest.approx(official[f'{probe}_mIoU'], abs=1e-4)
    assert ours['Accuracy'] == pytest.approx(official[f'{probe}_Accuracy'], abs=1e-4)


def test_golden_metric_needs_the_matching():
    official = GOLDEN['metric']
    assert official['cluster']['cluster_Accuracy'] > 5 * official['linear']['linear_Accuracy']


def test_crf_equals_the_official_dense_crf():
    g = GOLDEN['crf']
    img = stego_crf_image(g['image'])
    q = crf_from_logits(img, g['logits'])
    np.testing.assert_allclose(q, g['q'].numpy(), atol=1e-6)
    # the CRF changed the labels of the plainly upsampled logits: the comparison is not trivial
    plain = torch.nn.functional.interpolate(g['logits'][None], size=img.shape[:2],
                                            mode='bilinear', align_corners=False)[0]
    changed = (q.argmax(0) != plain.argmax(0).numpy()).mean()
    assert changed > 0.05
    # channel order: the official feeds BGR, and pydensecrf's lattice is not blind to it
    rgb = crf_from_logits(img, g['logits'], bgr=False)
    assert np.abs(rgb - q).max() > 0.1


def test_crf_errors():
    with pytest.raises(ValueError, match='C x h x w'):
        crf_from_logits(np.zeros((4, 4, 3), np.uint8), torch.zeros(4, 4))
    with pytest.raises(ValueError, match='3 x H x W'):
        stego_crf_image(torch.zeros(4, 4, 3))
