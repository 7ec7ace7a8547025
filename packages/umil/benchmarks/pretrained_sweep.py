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
        [--config configs/umil/umil_standin-pt_6e_synthetic.py] [--data-seed 1] [--out f.json]

``--encoder CKPT`` (or ``none``: random init) instead measures an encoder as it is, before any
fine-tuning, on every scoring snippet (one centre clip per 30-frame segment) of the abnormal
training videos: the same pair statistics, and the action class it predicts.
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

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def event_frames(frame_dir: str, n: int) -> np.ndarray:
    """Frames of one video inside its event, read from the pixels: the generator's event is
    a bright object crossing (>= 10 pixels R > 170, G > 160, B < 110: the object at either
    flicker level; no scene pixel passes) while the whole frame flickers (x 1.25 / x 0.8:
    mean intensity > 1.12 or < 0.89 x the video's median frame; the object is off-screen at
    the event's ends, the flicker is not)."""
    from PIL import Image
    obj, level = np.zeros(n, bool), np.zeros(n)
    for t in range(n):
        f = np.asarray(Image.open(osp.join(frame_dir, f'img_{t:08d}.jpg')).convert('RGB'))
        f = f.astype(np.int16)
        m = (f[..., 0] > 170) & (f[..., 1] > 160) & (f[..., 2] < 110)
        obj[t] = m.sum() >= 10
        level[t] = f.mean()
    ratio = level / np.median(level)
    return obj | (ratio > 1.12) | (ratio < 0.89)


def pair_stats(records, threshold: float) -> dict:
    """Over the batches' ambiguous snippets: ordered pairs i != j within a batch."""
    cos_ev, cos_no, cos_x, same, lab_same = [], [], [], [], []
    n_snip = n_event = 0
    for feat, event in records:
        f = torch.nn.functional.normalize(feat, dim=1)
        c = (f @ f.t()).numpy()
        e = np.asarray(event, bool)
        n_snip += len(e)
        n_event += int(e.sum())
        off = ~np.eye(len(e), dtype=bool)
        both_ev = np.outer(e, e) & off
        both_no = np.outer(~e, ~e) & off
        cross = np.outer(e, ~e) | np.outer(~e, e)
        cos_ev.append(c[both_ev])
        cos_no.append(c[both_no])
        cos_x.append(c[cross])
        same.append((c > threshold)[off])
        lab_same.append((both_ev | both_no)[off])
    cat = np.concatenate
    same, lab_same = cat(same), cat(lab_same)
    cos_ev, cos_no, cos_x = cat(cos_ev), cat(cos_no), cat(cos_x)

    def q(a):
        return [round(float(x), 3) for x in np.quantile(a, [0.05, 0.5, 0.95])] if len(a) else []
    return dict(
        snippets=n_snip, event_snippets=n_event, pairs=int(len(same)),
        same_fraction=float(same.mean()) if len(same) else float('nan'),
        cos_event_event=q(cos_ev), cos_normal_normal=q(cos_no), cos_event_normal=q(cos_x),
        p_same_given_same_label=float(same[lab_same].mean()) if lab_same.any() else None,
        p_same_given_diff_label=float(same[~lab_same].mean()) if (~lab_same).any() else None,
        agreement=float((same == lab_same).mean()) if len(same) else float('nan'),
        same_label_share=float(lab_same.mean()) if len(same) else float('nan'))


def run(config: str, data_root: str, seed: int, work_dir: str, events: dict,
        options: dict | None = None) -> dict:
    import umil.models.recognizer as rec
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
    records = []
    original_loss, original_step = rec.UMILRecognizer.umil_loss, rec.umil_step_losses
    current = {}

    def umil_loss(self, inputs, data_samples):
        current['samples'] = data_samples
        return original_loss(self, inputs, data_samples)

    def step(feat, logits, logits_c, ambiguous, *args, **kwargs):
        rows = []
        for b, s in enumerate(current['samples']):
            ev = events.get(int(s.sample_idx))
            k_clips = ambiguous.shape[1]
            inds = np.asarray(s.frame_inds).reshape(k_clips, -1)
            for k in range(k_clips):
                if bool(ambiguous[b, k]):
                    # event snippet: any of its frames in the event
                    rows.append(bool(ev is not None and ev[np.clip(inds[k], 0, len(ev) - 1)]
                                     .any()))
        records.append((feat[:, 0][ambiguous.bool()].detach().cpu(), rows))
        return original_step(feat, logits, logits_c, ambiguous, *args, **kwargs)

    rec.UMILRecognizer.umil_loss, rec.umil_step_losses = umil_loss, step
    try:
        t0 = time.time()
        runner = Runner.from_cfg(cfg)
        runner.train()
        wall = time.time() - t0
    finally:
        rec.UMILRecognizer.umil_loss, rec.umil_step_losses = original_loss, original_step
    (epoch, before, after), = runner.train_loop.umil_val
    out = dict(seed=seed, mil=100 * before['video_anomaly/AUC'],
               umil=100 * after['video_anomaly/AUC'], wall_s=round(wall, 1))
    out['gain'] = out['umil'] - out['mil']
    if records:
        out.update(pair_stats(records, float(cfg.model.get('cosine_threshold', 0.7))))
    return out


def encoder_stats(checkpoint: str, data_root: str, events: dict) -> dict:
    """Pair statistics of an encoder before fine-tuning (``--encoder``)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    from umil.models.preprocessor import UMILDataPreprocessor
    from umil.pretrain import class_embeddings
    from umil.testing import UMILStandIn
    os.environ['DATA_ROOT'] = data_root
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'umil', 'umil_standin_6e_synthetic.py'))
    init_default_scope('mmaction')
    loader = Runner.build_dataloader(cfg.train_cfg.score_dataloader)
    model = UMILStandIn(embed_dim=32, channels=16).eval()
    meta = None
    if checkpoint != 'none':
        ckpt = torch.load(checkpoint, map_location='cpu')
        model.load_state_dict(ckpt['state_dict'], strict=False)
        meta = ckpt['meta']
    pre = UMILDataPreprocessor()
    feats, labels = [], []
    for batch in loader:
        data = pre(batch, False)
        for x, s in zip(data['inputs'], data['data_samples']):
            ev = events.get(int(s.sample_idx))
            if ev is None:
                continue
            with torch.no_grad():
                f = model(x)['feature_v']
            inds = np.asarray(s.frame_inds).reshape(x.shape[0], -1)
            feats.append(f)
            labels += [bool(ev[np.clip(i, 0, len(ev) - 1)].any()) for i in inds]
    feat = torch.cat(feats)
    out = pair_stats([(feat, labels)], 0.7)
    if meta is not None:
        emb = class_embeddings(len(meta['classes']), feat.shape[1], meta['seed'])
        pred = (torch.nn.functional.normalize(feat, dim=1) @ emb.t()).argmax(1).numpy()
        lab = np.asarray(labels)
        for name, m in (('event', lab), ('non_event', ~lab)):
            out[f'predicted_{name}'] = {meta['classes'][k]: int((pred[m] == k).sum())
                                        for k in np.unique(pred[m])}
    return out


def main(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[])
    parser.add_argument('--encoder', default=None,
                        help='measure this encoder checkpoint (or none) before fine-tuning')
    parser.add_argument('--config', default=osp.join(
        REPO, 'configs', 'umil', 'umil_standin-pt_6e_synthetic.py'))
    parser.add_argument('--data-seed', type=int, default=1)
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
                       seed=args.data_seed, context_bias=1.0)
    events = {}
    with open(osp.join(root, 'labels', 'UCF_train.txt'), encoding='utf-8') as f:
        for i, line in enumerate(f):
            rel, _, n, cls = line.split()
            if int(cls) > 0:
                events[i] = event_frames(osp.join(root, rel), int(n))
    if args.encoder:
        print(json.dumps(dict(encoder=args.encoder, **encoder_stats(args.encoder, root, events))))
    for seed in args.seeds:
        res = run(args.config, root, seed, osp.join(tmp, f'work{seed}'), events, args.options)
        print(json.dumps(res), flush=True)
        if args.out:
            with open(args.out, 'a', encoding='utf-8') as f:
                f.write(json.dumps(dict(res, config=osp.basename(args.config),
                                        options=args.options, data_seed=args.data_seed)) + '\n')


if __name__ == '__main__':
    main()
