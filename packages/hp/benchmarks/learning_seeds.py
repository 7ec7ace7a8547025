"""The learning measurement of HP on the synthetic set, per seed: k-means mIoU of the raw ViT
features (b), of the untrained head (a) and of the trained head (t).

    python packages/hp/benchmarks/learning_seeds.py 0 1 2 3 4 [--num-train 32] [--epochs 20]

Measurement (one seed ``s``). Data: ``hp.synthetic.make_synthetic`` (4 classes told apart by
texture only: grey-level gratings; ``num_train`` training / 24 test images of 48 x 64, seed
``s``); model and schedule: ``configs/hp/hp_dino-tiny_synthetic.py`` (tiny random ViT, 20
epochs = 80 iterations, seed ``s``). Each of the three codes of the 24 test images at patch
resolution is clustered by ``cvshared.useg.probes.kmeans_baseline`` (K = 4, ``random_state``
0), the patch clusters upsampled (nearest) to the label maps and scored by mIoU after
Hungarian matching (``cvshared.metrics.unsupervised_seg``).

Not a test: the gain of t over the better of a and b is large on some seeds and absent on
others (README, "Learning test"), so no margin holds over seeds; the repository has no HP
learning test yet.
"""
import os.path as osp

import torch
import torch.nn.functional as F

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'configs', 'hp', 'hp_dino-tiny_synthetic.py')


def run_protocol(seed: int, tmp_path, monkeypatch=None, num_train: int = 32,
                 epochs: int | None = None) -> dict:
    """mIoU (percent) of ``raw`` (b), ``untrained`` (a) and ``trained`` (t) for one seed."""
    import os

    from cvshared.metrics.unsupervised_seg import cluster_confusion, unsupervised_scores
    from cvshared.useg.probes import kmeans_baseline
    from hp.synthetic import SYNTHETIC_CLASSES, make_synthetic
    from mmengine.config import Config
    from mmengine.runner import Runner

    root = str(tmp_path / 'data')
    make_synthetic(root, num_train=num_train, num_val=24, seed=seed)
    if monkeypatch is not None:
        monkeypatch.setenv('DATA_ROOT', root)
    else:
        os.environ['DATA_ROOT'] = root
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.randomness = dict(seed=seed)
    cfg.train_cfg.val_interval = 1000
    if epochs is not None:
        cfg.train_cfg.max_epochs = epochs
    cfg.default_hooks.logger.interval = 1000
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1000)
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    model = runner.model
    imgs, labels = [], []
    for data in runner.test_dataloader:
        data = model.data_preprocessor(data, False)
        imgs.append(data['inputs'])
        labels.append(torch.stack([s.gt_sem_seg.data[0] for s in data['data_samples']]))
    img, label = torch.cat(imgs), torch.cat(labels).long()
    lut = torch.full((256,), 255, dtype=torch.long)
    for i, c in enumerate(SYNTHETIC_CLASSES):
        lut[c] = i
    label = lut[label]
    k = len(SYNTHETIC_CLASSES)

    def miou(code):
        pred = kmeans_baseline(code, k, seed=0)
        up = F.interpolate(pred[:, None].float(), label.shape[-2:], mode='nearest')[:, 0]
        return unsupervised_scores(cluster_confusion(up.long(), label, k))['mIoU']

    model.eval()
    with torch.no_grad():
        raw, untrained = model.backbone(img)['feat'], model.code(img)
    runner.train()
    model.eval()
    with torch.no_grad():
        trained = model.code(img)
    return dict(raw=miou(raw), untrained=miou(untrained), trained=miou(trained))


def main(argv=None) -> int:
    import argparse
    import pathlib
    import tempfile
    import time
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('seeds', nargs='+', type=int)
    p.add_argument('--num-train', type=int, default=32)
    p.add_argument('--epochs', type=int, default=None)
    args = p.parse_args(argv)
    for s in args.seeds:
        t = time.time()
        with tempfile.TemporaryDirectory() as tmp:
            r = run_protocol(s, pathlib.Path(tmp), num_train=args.num_train, epochs=args.epochs)
        print(f"seed {s}: k-means raw {r['raw']:.1f}  untrained {r['untrained']:.1f}  "
              f"trained {r['trained']:.1f}  ({time.time() - t:.1f} s)", flush=True)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
