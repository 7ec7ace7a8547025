"""cvshared.vos.crf: the official DAVIS dense-CRF recipe of HGPU and HCPN."""
import numpy as np
import pytest
from cvshared.vos.crf import HCPN_CRF, HGPU_CRF, crf_unary_probs, davis_crf

pytest.importorskip('pydensecrf')


def _noisy_blob(seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:48, :48]
    obj = (yy - 24) ** 2 + (xx - 24) ** 2 < 12 ** 2
    image = np.where(obj[..., None], 200, 40).astype(np.uint8).repeat(3, axis=2)
    prob = np.clip(np.where(obj, 0.7, 0.3) + rng.normal(0, 0.25, obj.shape), 0, 1)
    return image, prob, obj


@pytest.mark.parametrize('params', [HGPU_CRF, HCPN_CRF], ids=['hgpu', 'hcpn'])
def test_both_papers_settings_clean_a_noisy_blob(params):
    image, prob, obj = _noisy_blob()
    out = davis_crf(image, prob, **params)
    iou = lambda a, b: (a & b).sum() / (a | b).sum()  # noqa: E731
    assert out.dtype == np.uint8 and set(np.unique(out)) <= {0, 1}
    assert iou(out > 0, obj) > iou(prob > 0.5, obj) + 0.1


def test_the_bilateral_settings_reach_the_crf():
    """The two papers' settings are not the same CRF: on a low-contrast frame with weakened
    unaries, HCPN's stronger bilateral term (compat 7 vs 3) changes hundreds of pixels
    (measured: 590 of 2304; HGPU keeps 1045 foreground pixels, HCPN 455, the object 437).
    If the settings were not passed on, the two masks would be equal."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:48, :48]
    obj = (yy - 24) ** 2 + (xx - 24) ** 2 < 12 ** 2
    image = np.where(obj[..., None], 100, 40).astype(np.uint8).repeat(3, axis=2)
    image = np.clip(image + rng.normal(0, 10, image.shape), 0, 255).astype(np.uint8)
    prob = np.clip(np.where(obj, 0.7, 0.3) + rng.normal(0, 0.25, obj.shape), 0, 1)
    prob = 0.5 + 0.6 * (prob - 0.5)
    a, b = davis_crf(image, prob, **HGPU_CRF), davis_crf(image, prob, **HCPN_CRF)
    assert (a != b).sum() > 100, (a != b).sum()


def test_empty_probability_and_bad_inputs():
    image, prob, _ = _noisy_blob()
    assert not davis_crf(image, np.zeros(prob.shape), **HGPU_CRF).any()
    with pytest.raises(ValueError, match='differ in size'):
        davis_crf(image, prob[:10], **HCPN_CRF)
    with pytest.raises(ValueError, match='probabilities'):
        crf_unary_probs(prob * 2)
    with pytest.raises(ValueError, match='uint8'):
        davis_crf(image.astype(np.float32), prob, **HGPU_CRF)
