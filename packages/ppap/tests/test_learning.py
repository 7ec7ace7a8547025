"""End to end on the synthetic set: PPAP learns.

Protocol: ``SPEC.make_synthetic`` (48 training / 12 validation 64 x 64 images of 4 textured
classes, data seed = run seed), ``configs/ppap/ppap_dino-tiny_synthetic.py`` (tiny random ViT,
96 iterations, runner seed = run seed), the cluster probe's Hungarian-matched mIoU on the
validation images of

* the trained model (decoder, projection and probes trained together, the paper's step);
* (a) the same model untrained (as built: the decoder is the ViT's last block, the probes
  random);
* (b) ``kmeans_baseline`` (4 clusters) on the raw ViT features, bilinearly upsampled to the
  label size as the model's code is. The untrained decoder's code *is* the raw ViT feature
  (asserted), so (b) is also the untrained head with an ideal cluster probe.

The bar, trained > (a) + 25 points, was set on development seed 0. History, every run: with
the cluster probe at lr 5e-2, development seeds 1 and 2 gave trained 59.8 / 62.9 (untrained
38.7 / 50.6; the online k-means of the probe left centres dead); the probe's lr was raised to
0.2 (the config's), development seeds 0-2 re-run, then held-out seeds 3-5 run once:

====  =======  =========  =======
seed  trained  untrained  k-means
====  =======  =========  =======
0     95.8     46.6       97.7
1     94.7     38.7       97.8
2     96.0     50.6       97.8
3     96.5     42.0       97.4
4     92.2     27.2       95.6
5     96.6     61.3       96.5
====  =======  =========  =======

trained - untrained >= 35.3 (seed 5) everywhere, the bar 25. Against (b) PPAP is *not* better
on this set (-3.4 to +0.1 points): the random ViT's raw features already separate the four
classes (k-means 95.6-97.8), and the perturbations we tried to make k-means worse (colour casts,
patch-level noise) also make PPAP's positives, drawn from the same raw features, worse (positive
precision 0.89 -> 0.61 with 8-pixel block noise), and the trained model stayed below k-means
there too (README, Not done). So this test asserts (a) and prints (b).
"""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'configs', 'ppap', 'ppap_dino-tiny_synthetic.py')


def kmeans_on_raw_features(runner, n_clusters=4):
    from cvshared.metrics.unsupervised_seg import cluster_confusion, unsupervised_scores
    from cvshared.useg.probes import kmeans_baseline
    model = runner.model
    feats, labels = [], []
    with torch.no_grad():
        for data in runner.test_dataloader:
            d = model.data_preprocessor(data, False)
            raw = model.backbone(d['inputs'])['feat']
            assert torch.equal(model.code(d['inputs']), raw)   # untrained decoder = last block
            lab = torch.stack([s.gt_sem_seg.data[0] for s in d['data_samples']])
            feats.append(F.interpolate(raw, lab.shape[-2:], mode='bilinear',
                                       align_corners=False))
            labels.append(lab)
    pred = kmeans_baseline(torch.cat(feats), n_clusters, seed=0)
    return unsupervised_scores(cluster_confusion(pred, torch.cat(labels), n_clusters))['mIoU']


def run_seed(tmp_path, monkeypatch, seed, options=None):
    from mmengine.config import Config
    from mmengine.runner import Runner
    from ppap.paper import make_synthetic
    root = make_synthetic(str(tmp_path / 'data'), seed=seed)
    monkeypatch.setenv('DATA_ROOT', root)
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.randomness = dict(seed=seed)
    cfg.default_hooks.logger.interval = 1000
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1000)
    cfg.merge_from_dict(options or {})
    runner = Runner.from_cfg(cfg)
    untrained = runner.test()['cluster/mIoU']
    kmeans = kmeans_on_raw_features(runner)
    runner.train()
    hook = next(h for h in runner.hooks if type(h).__name__ == 'PPAPVisualizationHook')
    hook.draw, hook.test_out_dir = True, str(tmp_path / 'pictures')   # what --show-dir does
    trained = runner.test()['cluster/mIoU']
    return trained, untrained, kmeans


@pytest.mark.slow
def test_learns_on_synthetic_data(tmp_path, monkeypatch):
    trained, untrained, kmeans = run_seed(tmp_path, monkeypatch, seed=0)
    print(f'cluster mIoU: trained {trained:.1f}, untrained {untrained:.1f}, '
          f'k-means on raw ViT features {kmeans:.1f}')
    assert trained > untrained + 25, (trained, untrained, kmeans)
    # the test-time pictures: image | clusters | matched | linear probe | ground truth
    import glob

    from PIL import Image
    pictures = sorted(glob.glob(str(tmp_path / 'pictures' / '*.png')))
    assert len(pictures) == 12, pictures
    assert Image.open(pictures[0]).size[0] >= 5 * 64
