"""Golden tensors of the official code (tests/golden/, written by tests/golden/make_golden.py
from a checkout of the official repository; PROVENANCE.md says which commit and command):
the three losses (value and gradient), the dense mining with the official RNG, the official
evaluation and the whole forward from raw pixels to the embedding."""
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from mmengine.registry import DefaultScope

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden')


def _golden(name):
    return load_checkpoint_file(osp.join(GOLDEN, name))


def _harness():
    spec = importlib.util.spec_from_file_location('make_golden', osp.join(GOLDEN, 'make_golden.py'))
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    return harness


@pytest.mark.parametrize('name', ['logratio', 'dense_triplet', 'binary_triplet'])
def test_losses_match_official(name):
    """Official batch M = 149, d = 128, float32. Tolerance: rtol 1e-5 on the value, atol
    1e-6 x max|grad| on the gradient (float32 sums of ~10^4 terms in a different order:
    our log-ratio is 2 var(r), the official an M x M mean; measured 1e-7 relative)."""
    from logratio.models import binary_triplet_loss, dense_triplet_loss, log_ratio_loss
    g = _golden('losses.pt')
    x = (g['embed'] if name == 'logratio' else g['normed']).clone().requires_grad_(True)
    fn = {'logratio': lambda e: log_ratio_loss(e, g['gt_dist']),
          'dense_triplet': lambda e: dense_triplet_loss(e, 0.03),
          'binary_triplet': lambda e: binary_triplet_loss(e, 5, 0.2)}[name]
    loss = fn(x)
    loss.backward()
    want = g[name]
    torch.testing.assert_close(loss.detach(), want['loss'], rtol=1e-5, atol=0)
    scale = want['grad'].abs().max()
    assert scale > 0
    torch.testing.assert_close(x.grad, want['grad'], rtol=1e-4, atol=1e-6 * float(scale))


def test_dense_mining_matches_official_rng():
    """Our mine_dense with RandomState(3) gives the official generate_pairs lists under
    np.random.seed(3), exactly (same rng.choice calls)."""
    from logratio.datasets import mine_dense
    g = _golden('mining.pt')
    idx, dist = mine_dense(g['list_nn'].numpy(), g['dist_nn'].numpy(), g['num_nn'],
                           g['batch_size'], np.random.RandomState(g['seed']))
    members = g['members'].numpy()
    np.testing.assert_array_equal(members[:, 0], np.arange(len(members)))  # anchor first
    np.testing.assert_array_equal(idx, members[:, 1:])
    np.testing.assert_array_equal(dist, g['dist_pairs'].numpy())
    other, _ = mine_dense(g['list_nn'].numpy(), g['dist_nn'].numpy(), g['num_nn'],
                          g['batch_size'], np.random.RandomState(g['seed'] + 1))
    assert (other != members[:, 1:]).any()  # the seed matters: the test can fail


def test_evaluation_matches_official_eval_retrieval():
    """pose_retrieval_scores == official eval_retrieval (1,919 queries, 150 gallery) at
    1e-9 relative (float64 both)."""
    from logratio.metrics import pose_retrieval_scores
    g = _golden('evaluation.pt')
    label = (torch.cdist(g['poses'], g['poses']) * g['scale']).numpy()
    scores = pose_retrieval_scores(g['embed'], label, num_query=1919)
    ours_mean = [scores[f'mean_dist@{k}'] for k in range(1, 11)]
    ours_ndcg = [scores[f'ndcg@{k}'] for k in range(10, 110, 10)]
    np.testing.assert_allclose(ours_mean, g['mean_distance'].numpy(), rtol=1e-9)
    np.testing.assert_allclose(ours_ndcg, g['ndcg'].numpy(), rtol=1e-9)
    shuffled = pose_retrieval_scores(g['embed'][torch.randperm(len(label))], label, 1919)
    assert shuffled['ndcg@10'] < ours_ndcg[0] - 0.02  # the embedding matters


def _whole_forward_model(state_dict):
    from logratio.convert import convert
    from logratio.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(dict(
            type='LogratioRetriever', backbone=dict(type='ResNet', depth=34, out_indices=(3,)),
            data_preprocessor=dict(type='ImgDataPreprocessor', mean=[103.939, 116.779, 123.68],
                                   std=[1.0, 1.0, 1.0], bgr_to_rgb=False)))
    model.load_state_dict(convert(state_dict), strict=True)
    return model.eval()


def test_whole_forward_matches_official(tmp_path):
    """Raw JPEG files -> our test pipeline (LoadImageFromFile, PIL decoding, BGR; PoseTranslation
    centre crop, ImgDataPreprocessor caffe mean) -> converted official ResNet-34 + fc ->
    embedding equals the official one at rtol 1e-4 of max|embedding| (float32 through 37
    layers; measured 2.0e-7; cv2 and PIL decoding gave the same pixels here), and a 1 %
    perturbation of the weights moves it beyond."""
    from mmcv.transforms import Compose
    g = _golden('whole_forward.pt')
    state = _harness().seeded_state_dict(g['shapes'], g['seed'])
    model = _whole_forward_model(state)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        from mmpretrain.registry import TRANSFORMS
        pipeline = Compose([TRANSFORMS.build(t) for t in (
            dict(type='LoadImageFromFile', imdecode_backend='pillow'),
            dict(type='PoseTranslation', jitter=False),
            dict(type='PosePackInputs'))])
    items = []
    for i, data in enumerate(g['jpeg_bytes']):
        path = tmp_path / f'{i}.jpg'
        path.write_bytes(data.numpy().tobytes())
        items.append(pipeline(dict(img_path=str(path))))
    batch = model.data_preprocessor(dict(inputs=[it['inputs'] for it in items],
                                         data_samples=[it['data_samples'] for it in items]))
    with torch.no_grad():
        out = model(batch['inputs'], mode='tensor')
    scale = float(g['embed'].abs().max())
    torch.testing.assert_close(out, g['embed'], rtol=0, atol=1e-4 * scale)
    perturbed = _whole_forward_model({k: v * 1.01 if v.is_floating_point() else v
                                      for k, v in state.items()})
    with torch.no_grad():
        moved = perturbed(batch['inputs'], mode='tensor')
    assert (moved - g['embed']).abs().max() > 1e-3 * scale


def test_harness_refuses_a_folder_that_is_not_a_checkout(tmp_path, capsys):
    with pytest.raises(SystemExit):
        _harness().main([str(tmp_path / 'no_checkout')])
    assert 'no_checkout' in capsys.readouterr().err
