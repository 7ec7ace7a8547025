"""Like-for-like ablation of AntiCo on the synthetic CUB-layout set: the synthetic config's whole
recipe (model, data, sampler, optimizer, schedule) with only the head's losses changed, over a
list of seeds; one JSON line per (setting, seed).

    OMP_NUM_THREADS=1 nice .venv/bin/python packages/antico/tools/sweep_synthetic.py \
        --settings pa64_w0.0035 pa64_w0.0035+bp --seeds 0 1 2 --out sweep.jsonl

A seed ``s`` sets the Runner's seed (weight and proxy initialisation, random flips) and the
sampler's seed; the data set is the fixed synthetic set of ``antico.paper.SYNTHETIC``. Each line
holds Recall@1 on the 8 unseen test classes before and after training, the coding rate
``R = 1/2 log det(I + d / (n eps) Z^T Z)`` (eps 0.5) of the 96 test embeddings after training,
and that of the 8 L2-normalised proxies (standard scale).

Setting names: ``pa<alpha>_w<w_align>`` = Proxy Anchor (delta 0.1) with that alpha and weight
alone; a suffix ``+<mode>[_w<w_ac>][_g<gamma2>][_std]`` adds AntiCo with mode ``bp``
(batch_proxy), ``ap`` (all_proxy) or ``pair``, its weight (default 1), gamma2 (default 1) and
``_std`` for the standard (MCR^2) scale in the proxy modes (default the official one).
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import re
import tempfile
import time

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(osp.dirname(HERE)))
CONFIG = osp.join(REPO, 'configs', 'antico', 'antico_r18-tiny_synthetic.py')
MODES = {'bp': 'batch_proxy', 'ap': 'all_proxy', 'pair': 'pair'}


def losses_of(name: str) -> list:
    """The head's loss list of a setting name (see the module docstring)."""
    m = re.fullmatch(r'pa(\d+(?:\.\d+)?)_w([0-9.e-]+)(?:\+(bp|ap|pair)((?:_[wg][0-9.e-]+|_std)*))?',
                     name)
    if m is None:
        raise ValueError(f'unknown setting {name!r}: expected pa<alpha>_w<w>[+<mode>[_w..][_g..]'
                         '[_std]]')
    losses = [dict(type='ProxyAnchorLoss', alpha=float(m[1]), delta=0.1,
                   loss_weight=float(m[2]))]
    if m[3]:
        opts = dict(w=1.0, g=1.0)
        std = False
        for part in filter(None, (m[4] or '').split('_')):
            if part == 'std':
                std = True
            else:
                opts[part[0]] = float(part[1:])
        losses.append(dict(type='AntiCoLoss', mode=MODES[m[3]], eps=0.5, gamma1=1.0,
                           gamma2=opts['g'], scale='standard' if std else 'official',
                           loss_weight=opts['w']))
    return losses


def run(name: str, seed: int, work_dir: str) -> dict:
    import torch
    from antico.models import coding_rate
    from mmengine.config import Config
    from mmengine.runner import Runner

    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = work_dir
    cfg.experiment_name = f'{name}_s{seed}_{time.time_ns()}'
    cfg.log_level = 'WARNING'
    cfg.default_hooks.checkpoint.interval = 1000
    cfg.randomness = dict(seed=seed, deterministic=False)
    cfg.train_dataloader.sampler.seed = seed
    cfg.model.head.loss = losses_of(name)
    runner = Runner.from_cfg(cfg)
    before = runner.test()['synthetic/Recall@1']
    t0 = time.time()
    runner.train()
    train_s = time.time() - t0
    metrics = runner.test()
    model = runner.model
    model.eval()
    embs = []
    with torch.no_grad():
        for batch in runner.test_dataloader:
            data = model.data_preprocessor(batch, False)
            embs.append(model.embed(data['inputs']))
    z = torch.cat(embs)
    proxies = torch.nn.functional.normalize(model.head.proxies.detach(), dim=1)
    return dict(setting=name, seed=seed, r1_before=before,
                r1=metrics['synthetic/Recall@1'], r2=metrics['synthetic/Recall@2'],
                nmi=metrics.get('synthetic/NMI'), rate_test=float(coding_rate(z, eps=0.5)),
                rate_proxies=float(coding_rate(proxies, eps=0.5)), n_test=int(z.shape[0]),
                train_s=round(train_s, 1))


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--settings', nargs='+', required=True)
    p.add_argument('--seeds', nargs='+', type=int, required=True)
    p.add_argument('--out', required=True, help='JSON lines, appended')
    p.add_argument('--threads', type=int, default=1)
    args = p.parse_args(argv)
    for name in args.settings:
        losses_of(name)                         # fail on a bad name before any training
    import torch
    torch.set_num_threads(args.threads)
    from antico.paper import make_synthetic
    with tempfile.TemporaryDirectory() as tmp:
        make_synthetic(osp.join(tmp, 'data'))
        os.environ['DATA_ROOT'] = osp.join(tmp, 'data')
        for seed in args.seeds:
            for name in args.settings:
                row = run(name, seed, osp.join(tmp, 'work'))
                print(json.dumps(row), flush=True)
                with open(args.out, 'a') as f:
                    f.write(json.dumps(row) + '\n')


if __name__ == '__main__':
    main()
