"""The paired UMIL-step sweep on the context-biased synthetic set, with the pair-target
diagnosis (README, Results).

Per seed: the config's training (the learning test's: MIL epochs 0-3, history from 0, the UMIL
pass after the MIL epoch 3, ``validate_umil_step=True``), frame AUC right before and right
after that pass, and, over the ambiguous snippets the UMIL step sees (abnormal videos only,
per batch, as the loss pairs them), the cosine of ``feature_v`` between snippets with and
without the event (a snippet with any frame in the event, read from the pixels), the share of
pairs the clustering calls "same" (cos > threshold) and how well those targets follow the
event: P(same | same event label), P(same | different label), the agreement.

    python packages/umil/benchmarks/pretrained_sweep.py --seeds 0 1 2 \
        [--config configs/umil/umil_standin-pt_6e_synthetic.py] [--data-seed 1] \
        [--context-bias 1.0] [--out f.json]

``--encoder CKPT`` (or ``none``: random init) instead measures an encoder as it is, before any
fine-tuning, on every scoring snippet (one centre clip per 30-frame segment) of the abnormal
training videos: the same pair statistics, the action class it predicts and, for a
``text='words'`` checkpoint, how the prompts' text prior ranks the snippets:
``cos(v, text('abnormal')) - cos(v, text('normal'))``, its AUC of event vs other snippets.

``--init-auc`` also reports, per seed, the frame AUC of the model as initialised (pre-trained
encoder, fresh heads: the seed's), before any training: the orientation the score starts with.
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import sys
import tempfile
import time

import numpy as np
import torch
from umil.diagnosis import UMILStepRecorder, pair_stats, snippet_features, training_events

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def run(config: str, data_root: str, seed: int, work_dir: str, events: dict,
        options: dict | None = None) -> dict:
    from mmengine.config import Config
    from mmengine.runner import Runner
    os.environ['DATA_ROOT'] = data_root
    cfg = Config.fromfile(config)
    if options:
        cfg.merge_from_dict(options)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=seed)
    cfg.train_cfg.update(max_epochs=4, umil_epoch=3, val_interval=3, validate_umil_step=True)
    cfg.default_hooks.logger.interval = 100
    with UMILStepRecorder(events) as recorder:
        t0 = time.time()
        runner = Runner.from_cfg(cfg)
        runner.train()
        wall = time.time() - t0
    (epoch, before, after), = runner.train_loop.umil_val
    out = dict(seed=seed, mil=100 * before['video_anomaly/AUC'],
               umil=100 * after['video_anomaly/AUC'], wall_s=round(wall, 1))
    out['gain'] = out['umil'] - out['mil']
    if recorder.records:
        out.update(pair_stats(recorder.records, float(cfg.model.get('cosine_threshold', 0.7))))
        # where the step moved the anomaly head: mean p_ano of the event / non-event ambiguous
        # snippets when each batch was stepped and after the whole pass
        out.update({f'p_ano_{k}': v for k, v in recorder.p_ano_shift(runner.model).items()})
    return out


def init_auc(config: str, data_root: str, seed: int, work_dir: str,
             options: dict | None = None) -> float:
    """Frame AUC (%) of the config's model as initialised with ``seed`` (no training)."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    os.environ['DATA_ROOT'] = data_root
    cfg = Config.fromfile(config)
    if options:
        cfg.merge_from_dict(options)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=seed)
    runner = Runner.from_cfg(cfg)
    runner._init_model_weights()
    return 100 * runner.val_loop.run()['video_anomaly/AUC']


def run_two(config: str, data_root: str, seed: int, work_dir: str, options=None,
            epochs: int = 6, umil_epoch: int = 3) -> dict:
    """The two-run comparison with the UMIL pass's RNG draws isolated
    (``isolate_umil_rng``): the config's 6 epochs with the UMIL step after the MIL epochs
    ``umil_epoch`` .. ``epochs - 1`` vs the same run without it (``umil_epoch = epochs``), the
    score history from epoch 0 in both; frame AUC of the last checkpoint."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    os.environ['DATA_ROOT'] = data_root
    out = dict(seed=seed, protocol='two-run')
    for name, first in (('mil_only', epochs), ('umil', umil_epoch)):
        cfg = Config.fromfile(config)
        if options:
            cfg.merge_from_dict(options)
        cfg.work_dir = osp.join(work_dir, name)
        cfg.randomness = dict(seed=seed)
        # no validation inside the run: the last checkpoint is validated once after it
        cfg.train_cfg.update(max_epochs=epochs, umil_epoch=first, history_epochs=first,
                             val_interval=epochs + 1, isolate_umil_rng=True)
        cfg.default_hooks.logger.interval = 100
        runner = Runner.from_cfg(cfg)
        t0 = time.time()
        runner.train()
        out[name] = 100 * runner.val_loop.run()['video_anomaly/AUC']
        out[f'wall_{name}_s'] = round(time.time() - t0, 1)
    out['gain'] = out['umil'] - out['mil_only']
    return out


def encoder_stats(checkpoint: str, data_root: str, events: dict) -> dict:
    """Pair statistics of an encoder before fine-tuning (``--encoder``)."""
    from cvshared.checkpoint import load_checkpoint_file
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    from umil.pretrain import class_texts
    from umil.testing import UMILStandIn
    os.environ['DATA_ROOT'] = data_root
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'umil', 'umil_standin_6e_synthetic.py'))
    init_default_scope('mmaction')
    loader = Runner.build_dataloader(cfg.train_cfg.score_dataloader)
    torch.manual_seed(0)   # the random init of 'none'
    model = UMILStandIn(embed_dim=32, channels=16).eval()
    meta = None
    if checkpoint != 'none':
        ckpt = load_checkpoint_file(checkpoint, map_location='cpu')
        model.load_state_dict(ckpt['state_dict'], strict=False)
        meta = ckpt['meta']
    feat, labels = snippet_features(model, loader, events)
    out = pair_stats([(feat, labels)], 0.7)
    if meta is not None:
        text = meta.get('text', 'random')
        _, emb = class_texts(text, feat.shape[1], meta['seed'])
        f = torch.nn.functional.normalize(feat, dim=1)
        pred = (f @ emb.t()).argmax(1).numpy()
        lab = np.asarray(labels)
        for name, m in (('event', lab), ('non_event', ~lab)):
            out[f'predicted_{name}'] = {meta['classes'][k]: int((pred[m] == k).sum())
                                        for k in np.unique(pred[m])}
        if text == 'words':
            from sklearn.metrics import roc_auc_score
            from umil.word_text import text_features
            t = text_features(['normal', 'abnormal'], feat.shape[1])
            prior = (f @ t[1] - f @ t[0]).numpy()
            out['prior_auc'] = float(roc_auc_score(lab, prior))
            out['prior_event'] = [round(float(x), 3)
                                  for x in np.quantile(prior[lab], [.05, .5, .95])]
            out['prior_non_event'] = [round(float(x), 3)
                                      for x in np.quantile(prior[~lab], [.05, .5, .95])]
    return out


def main(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[])
    parser.add_argument('--two-run', action='store_true',
                        help='the two-run comparison (6 epochs, UMIL from 3, isolated RNG)')
    parser.add_argument('--init-auc', action='store_true',
                        help='also the frame AUC of the initialised model, per seed')
    parser.add_argument('--encoder', default=None,
                        help='measure this encoder checkpoint (or none) before fine-tuning')
    parser.add_argument('--config', default=osp.join(
        REPO, 'configs', 'umil', 'umil_standin-pt_6e_synthetic.py'))
    parser.add_argument('--data-seed', type=int, default=1)
    parser.add_argument('--context-bias', type=float, default=1.0,
                        help="make_synthetic's context_bias (0: no scene tint)")
    parser.add_argument('--data-root', default=None, help='reuse a written set')
    parser.add_argument('--out', default=None, help='append one JSON line per seed')
    parser.add_argument('--options', nargs='+', action=DictAction, default=None,
                        help='config overrides, key=value (mmengine DictAction)')
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    sys.path.insert(0, REPO)
    from umil.datasets import make_synthetic
    tmp = tempfile.mkdtemp(prefix='umil_sweep_')
    root = args.data_root or osp.join(tmp, 'data')
    if not osp.exists(osp.join(root, 'labels', 'UCF_train.txt')):
        make_synthetic(root, num_train=(6, 6), num_test=(3, 3), num_frames=(90, 150),
                       seed=args.data_seed, context_bias=args.context_bias)
    events = training_events(root)
    if args.encoder:
        print(json.dumps(dict(encoder=args.encoder, **encoder_stats(args.encoder, root, events))))
    for seed in args.seeds:
        if args.two_run:
            res = run_two(args.config, root, seed, osp.join(tmp, f'work{seed}'), args.options)
        else:
            res = run(args.config, root, seed, osp.join(tmp, f'work{seed}'), events,
                      args.options)
        if args.init_auc:
            res['init'] = init_auc(args.config, root, seed, osp.join(tmp, f'init{seed}'),
                                   args.options)
        print(json.dumps(res), flush=True)
        if args.out:
            with open(args.out, 'a', encoding='utf-8') as f:
                f.write(json.dumps(dict(res, config=osp.basename(args.config),
                                        options=args.options, data_seed=args.data_seed,
                                        context_bias=args.context_bias)) + '\n')


if __name__ == '__main__':
    main()
