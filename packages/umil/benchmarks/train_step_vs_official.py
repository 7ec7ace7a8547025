"""MIL train step and inference of ours beside the official code, same tiny X-CLIP, CPU.

    python packages/umil/benchmarks/train_step_vs_official.py /path/to/UMIL-checkout \
        [--side ours|official]

Without ``--side`` it runs each side in its own process (peak RSS per process) and prints a
table. The official side runs ``main_umil.py::mil_one_epoch`` unedited with a real official
``XCLIP`` (apex, the mmcv-1.x loaders and the logger stubbed, ``.cuda()`` the identity) on
random batches ``[b, 2, K, 3, T, H, W]``; ours runs ``UMILRecognizer.train_step`` with
``UMILXCLIP`` of the same architecture. Equal config: batch 2 videos x 2 views x K=4 clips x
T=5 frames x 32 x 32, width 128, 2 vision layers, 1 text layer, 1 thread.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import types

B, K, T, S, W, ITERS = 2, 4, 5, 32, 128, 6


def _official(checkout):
    import logging

    import torch
    sys.path.insert(0, checkout)
    for name in ('apex', 'datasets', 'datasets.build', 'datasets.blending', 'utils.logger'):
        mod = types.ModuleType(name)
        mod.amp = mod.build_dataloader = mod.CutmixMixupBlending = mod.create_logger = None
        sys.modules[name] = mod
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.nn.Module.cuda = lambda self, *a, **k: self
    torch.cuda.synchronize = lambda *a, **k: None
    torch.cuda.max_memory_allocated = lambda *a, **k: 0
    from utils import cluster
    cluster.NCLMemory = getattr(cluster, 'NCLMemory', None)
    import clip
    import main_umil
    from models.xclip import XCLIP
    main_umil.args = argparse.Namespace(threshold=0.8, cluster_threshold=0.8, w_smooth=0.01,
                                        w_sparse=0.001, w_cluster=0.01, w_con=1.0, w_con1=1.0,
                                        w_mil=1.0, w_cls=0.0, umil_epoch=30)
    main_umil.logger = logging.getLogger('official')
    model = XCLIP(W, S, 2, W, 16, 77, 49408, W, W // 64, 1, T=T, mit_layers=1,
                  prompts_alpha=0.1, prompts_layers=2, use_cache=True)
    for n, p in model.named_parameters():   # fix_text, as build_optimizer does
        if not any(k in n for k in ('visual.', 'mit', 'prompts', '_head')):
            p.requires_grad = False
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5,
                            betas=(0.9, 0.98))
    texts = clip.tokenize(['normal', 'abnormal'])
    g = torch.Generator().manual_seed(0)
    batch = dict(imgs=torch.randn(B, 2, K, 3, T, S, S, generator=g),
                 label=torch.tensor([[1, 1], [0, 0]]), vid=torch.arange(B))
    ns = types.SimpleNamespace
    config = ns(TRAIN=ns(ACCUMULATION_STEPS=1, OPT_LEVEL='O0', EPOCHS=1), PRINT_FREQ=10 ** 6,
                DATA=ns(NUM_FRAMES=T))
    crit = cluster.ClusterLoss(2, 'cos', 0.7, 2)
    sched = ns(step_update=lambda *a: None)

    def train(n):
        main_umil.mil_one_epoch(0, model, crit, opt, sched, [batch] * n, texts, config,
                                dict(length=0), [])

    imgs = torch.randn(B * K, T, 3, S, S, generator=g)

    def infer(n):
        model.eval()
        with torch.no_grad():
            for _ in range(n):
                model(imgs, texts)
        model.train()
    return train, infer


def _ours():
    import numpy as np  # noqa: F401
    import torch
    from mmengine.registry import DefaultScope
    from mmengine.structures import BaseDataElement
    from umil.engine import UMILOptimWrapperConstructor
    from umil.models import UMILRecognizer
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = UMILRecognizer(backbone=dict(
            type='UMILXCLIP', embed_dim=W, image_size=S, patch_size=16, vision_width=W,
            vision_layers=2, text_width=W, text_layers=1, num_frames=T), clip_len=T)
    adamw = dict(type='AdamW', lr=1e-5, betas=(0.9, 0.98))
    wrappers = UMILOptimWrapperConstructor(dict(mil=dict(optimizer=adamw),
                                                umil=dict(optimizer=adamw)))(model)
    g = torch.Generator().manual_seed(0)
    batch = dict(inputs=[torch.randint(0, 256, (2, K, T, 3, S, S), generator=g,
                                       dtype=torch.uint8) for _ in range(B)],
                 data_samples=[BaseDataElement(label=lab) for lab in (1, 0)])
    test = dict(inputs=[torch.randint(0, 256, (K, T, 3, S, S), generator=g, dtype=torch.uint8)
                        for _ in range(B)],
                data_samples=[BaseDataElement(label=0) for _ in range(B)])

    def train(n):
        for _ in range(n):
            model.train_step(batch, wrappers)

    def infer(n):
        model.eval()
        for _ in range(n):
            model.test_step(test)
        model.train()
    return train, infer


def run_side(side, checkout):
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(0)
    train, infer = _official(checkout) if side == 'official' else _ours()
    train(1), infer(1)   # warm-up
    t0 = time.perf_counter()
    train(ITERS)
    t_train = (time.perf_counter() - t0) / ITERS
    t0 = time.perf_counter()
    infer(ITERS)
    t_infer = (time.perf_counter() - t0) / ITERS
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(dict(side=side, train_ms=1e3 * t_train, infer_ms=1e3 * t_infer,
                          peak_rss_mib=rss)))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('checkout')
    p.add_argument('--side', choices=('ours', 'official'))
    a = p.parse_args()
    if a.side:
        return run_side(a.side, a.checkout)
    res = {}
    for side in ('official', 'ours'):
        out = subprocess.run([sys.executable, __file__, a.checkout, '--side', side],
                             capture_output=True, text=True, check=True).stdout
        res[side] = json.loads(out.strip().splitlines()[-1])
    o, u = res['official'], res['ours']
    print('| | official | ours | ours vs official |\n|---|---|---|---|')
    print(f"| MIL train step (ms) | {o['train_ms']:.1f} | {u['train_ms']:.1f} | "
          f"{o['train_ms'] / u['train_ms']:.2f}x |")
    print(f"| inference, {B * K} clips (ms) | {o['infer_ms']:.1f} | {u['infer_ms']:.1f} | "
          f"{o['infer_ms'] / u['infer_ms']:.2f}x |")
    print(f"| peak RSS (MiB, process) | {o['peak_rss_mib']:.0f} | {u['peak_rss_mib']:.0f} | |")


if __name__ == '__main__':
    main()
