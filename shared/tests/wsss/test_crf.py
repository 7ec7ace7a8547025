"""Tests of cvshared.wsss.crf: PSA's and IRN's dense CRF wrappers.

Golden: the official ``crf_inference`` (PSA ``tool/imutils.py``) and ``crf_inference_label``
(IRN ``misc/imutils.py``) on fixed random inputs (tests/data/wsss/crf.pt, PROVENANCE.md).
Properties: an isolated noisy pixel is flipped to the label of its uniform surroundings while a
large region of another colour keeps its own label; the errors name what is wrong.
"""
from pathlib import Path

import numpy as np
import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from cvshared.wsss.crf import crf_inference_label, crf_inference_prob

torch.set_num_threads(1)
GOLDEN = Path(__file__).resolve().parents[1] / 'data' / 'wsss' / 'crf.pt'


def _scene():
    """A 24 x 30 image: grey background, a red 10 x 12 block, one noisy pixel in the grey."""
    img = np.full((24, 30, 3), 128, np.uint8)
    img[6:16, 4:16] = (220, 30, 30)
    labels = np.zeros((24, 30), np.int64)
    labels[6:16, 4:16] = 1
    noisy = (19, 24)          # inside the grey region, far from the block
    labels[noisy] = 1
    return img, labels, noisy


def test_label_crf_flips_an_isolated_noisy_pixel_and_keeps_the_block():
    img, labels, noisy = _scene()
    out = crf_inference_label(img, labels, n_labels=2)
    assert out.shape == labels.shape
    assert labels[noisy] == 1 and out[noisy] == 0
    assert (out[7:15, 5:15] == 1).all()       # the block (colour of its own) keeps its label
    assert (out[labels == 0] == 0).all()


def test_prob_crf_flips_an_isolated_noisy_pixel_and_keeps_the_block():
    img, labels, noisy = _scene()
    probs = np.where(labels[None] == np.arange(2)[:, None, None], 0.8, 0.2).astype(np.float32)
    out = crf_inference_prob(img, probs)
    assert out.shape == probs.shape and out.dtype == np.float32
    np.testing.assert_allclose(out.sum(0), 1, atol=1e-5)
    assert probs[:, noisy[0], noisy[1]].argmax() == 1 and out[:, noisy[0], noisy[1]].argmax() == 0
    assert (out.argmax(0)[7:15, 5:15] == 1).all()


def test_scale_factor_divides_the_spatial_widths():
    """scale_factor 2 equals halved sxy given explicitly (and differs from the default)."""
    rng = np.random.RandomState(3)
    img = rng.randint(0, 256, (15, 19, 3)).astype(np.uint8)
    probs = rng.rand(3, 15, 19).astype(np.float32)
    a = crf_inference_prob(img, probs, scale_factor=2)
    b = crf_inference_prob(img, probs, gaussian=dict(sxy=1.5, compat=3),
                           bilateral=dict(sxy=40, srgb=13, compat=10))
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - crf_inference_prob(img, probs)).max() > 1e-3


@pytest.mark.skipif(not GOLDEN.is_file(), reason='golden not generated yet')
def test_crf_equals_the_official_functions():
    g = load_checkpoint_file(str(GOLDEN))
    for case in g['prob']:
        out = crf_inference_prob(case['img'].numpy(), case['probs'].numpy(),
                                 scale_factor=case['scale_factor'])
        # same library, same float32 inputs: bit-identical
        np.testing.assert_array_equal(out, case['out'].numpy())
    for case in g['label']:
        labels = case['labels'].numpy().astype(np.int64)  # stored as uint8
        out = crf_inference_label(case['img'].numpy(), labels, n_labels=case['n_labels'])
        np.testing.assert_array_equal(out, case['out'].numpy().astype(np.int64))
        assert (out != labels).any()  # the CRF changed something


def test_errors_name_the_problem():
    img, labels, _ = _scene()
    probs = np.full((2, 24, 30), 0.5, np.float32)
    with pytest.raises(ValueError, match=r'probs size 20x30 .* image size 24x30'):
        crf_inference_prob(img, probs[:, :20])
    with pytest.raises(ValueError, match=r'label map size 24x29 .* image size 24x30'):
        crf_inference_label(img, labels[:, :29], n_labels=2)
    with pytest.raises(ValueError, match='must be uint8'):
        crf_inference_prob(img.astype(np.float32), probs)
    with pytest.raises(ValueError, match='H x W x 3'):
        crf_inference_label(img.transpose(2, 0, 1), labels, n_labels=2)
    with pytest.raises(ValueError, match=r'labels must lie in 0\.\.1'):
        crf_inference_label(img, labels + 1, n_labels=2)
    with pytest.raises(ValueError, match='sum to 1'):
        crf_inference_prob(img, probs * 1.5, normalized=True)
    with pytest.raises(ValueError, match='non-negative'):
        crf_inference_prob(img, -probs)


def test_non_contiguous_image_is_accepted_as_its_copy():
    img, labels, _ = _scene()
    flipped = img[:, ::-1]
    assert not flipped.flags.c_contiguous
    np.testing.assert_array_equal(crf_inference_label(flipped, labels[:, ::-1], n_labels=2),
                                  crf_inference_label(flipped.copy(), labels[:, ::-1].copy(),
                                                      n_labels=2))


def test_read_only_image_is_accepted():
    """np.asarray of a PIL image is read-only; pydensecrf refused it ("buffer source array is
    read-only") before check_crf_image copied such arrays."""
    from PIL import Image
    img, labels, _ = _scene()
    ro = np.asarray(Image.fromarray(img))
    assert not ro.flags.writeable
    np.testing.assert_array_equal(crf_inference_label(ro, labels, n_labels=2),
                                  crf_inference_label(img, labels, n_labels=2))
