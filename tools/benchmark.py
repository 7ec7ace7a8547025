"""Train-step and inference throughput and peak memory of a paper's config.

    make benchmark PAPER=msflow [CONFIG=...] [DEVICE=cpu|cuda]
    python tools/benchmark.py msflow [--config C] [--device cuda] [--iters 20] [--warmup 3]

The model, data pipeline and optimizer are built from the config exactly as training builds
them (mmengine Runner). With no data at the config's data root, the package's synthetic data set
is generated first and the synthetic run's config is the default (pass ``--config`` and, if
needed, ``--cfg-options`` to time another config on it). Pretrained-weight paths are dropped
(random initialisation; throughput does not depend on the weights) unless ``--keep-weights``.
Timings
cover ``model.train_step`` (forward, backward, optimizer step) and ``model.test_step``
(forward and post-processing) on real batches; data loading is excluded. Peak memory is
``torch.cuda.max_memory_allocated`` on a GPU and the process's peak resident set size on CPU
(which includes the Python and library footprint; compare CPU figures only between runs of
this tool).
"""
import argparse
import json
import os
import os.path as osp
import resource
import sys
import time

import cvshared  # noqa: F401  (stack fixes)
import torch
from cvshared.engine.launch import drop_pretrained, load_config
from cvshared.engine.reproduce import choose_data, ensure_synthetic, load_spec
from mmengine.config import DictAction
from mmengine.runner import Runner


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Benchmark a paper config')
    p.add_argument('paper', help='paper key (e.g. msflow)')
    p.add_argument('--config', help='default: the spec\'s benchmark_config on real data, '
                   'its synthetic run on synthetic data')
    p.add_argument('--keep-weights', action='store_true',
                   help='load the pretrained weights named in the config')
    p.add_argument('--data-root', help='data set root (else the synthetic set)')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--iters', type=int, default=10)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--spec', help='module:attribute of a PaperSpec')
    p.add_argument('--out', help='write the figures to this JSON file')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def peak_memory_mb(device: str) -> float:
    if device.startswith('cuda'):
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def batch_size(data) -> int:
    inputs = data['inputs'] if isinstance(data, dict) else data
    if isinstance(inputs, torch.Tensor):
        return inputs.shape[0]
    return len(inputs)


def cycle(loader):
    while True:
        yield from loader


def time_steps(step, loader, iters: int, warmup: int, device: str):
    """Seconds per step and samples per second of ``step(batch)`` after ``warmup`` steps."""
    batches = cycle(loader)
    for _ in range(warmup):
        step(next(batches))
    samples, elapsed = 0, 0.0
    for _ in range(iters):
        data = next(batches)
        if device.startswith('cuda'):
            torch.cuda.synchronize()
        start = time.perf_counter()
        step(data)
        if device.startswith('cuda'):
            torch.cuda.synchronize()
        elapsed += time.perf_counter() - start
        samples += batch_size(data)
    return elapsed / iters, samples / elapsed


def main(argv=None):
    args = parse_args(argv)
    spec = load_spec(args.paper, args.spec)
    choice = choose_data(spec, args.data_root)
    if choice.synthetic:
        ensure_synthetic(spec, choice.root)
        config = args.config or next(iter(spec.synthetic_runs.values()))
    else:
        config = args.config or spec.benchmark_config or next(iter(choice.runs.values()))
    cfg = load_config(config, args.cfg_options, osp.join('work_dirs', 'benchmark', spec.key),
                      choice.root)
    if not args.keep_weights:
        drop_pretrained(cfg.model)
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    model = runner.model.to(args.device)
    optim_wrapper = runner.build_optim_wrapper(cfg.optim_wrapper)
    train_loader = runner.build_dataloader(cfg.train_dataloader)
    test_loader = runner.build_dataloader(cfg.test_dataloader)
    if args.device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()

    model.eval()
    with torch.no_grad():
        infer_s, infer_tp = time_steps(model.test_step, test_loader, args.iters, args.warmup,
                                       args.device)
    infer_mem = peak_memory_mb(args.device)
    model.train()
    train_s, train_tp = time_steps(lambda d: model.train_step(d, optim_wrapper), train_loader,
                                   args.iters, args.warmup, args.device)
    train_mem = peak_memory_mb(args.device)

    result = dict(paper=spec.key, config=config, device=args.device,
                  torch_threads=torch.get_num_threads(), synthetic_data=choice.synthetic,
                  train_batch=cfg.train_dataloader.batch_size,
                  test_batch=cfg.test_dataloader.batch_size,
                  train_step_s=train_s, train_samples_per_s=train_tp,
                  infer_step_s=infer_s, infer_samples_per_s=infer_tp,
                  peak_mem_after_infer_mb=infer_mem, peak_mem_after_train_mb=train_mem)
    mem_kind = 'CUDA max allocated' if args.device.startswith('cuda') else 'process peak RSS'
    print(f'\n| {spec.key} | {osp.basename(config)} | {args.device} |\n|---|---|---|')
    print(f'| train step | {train_s * 1e3:.1f} ms | {train_tp:.2f} samples/s |')
    print(f'| inference step | {infer_s * 1e3:.1f} ms | {infer_tp:.2f} samples/s |')
    print(f'| peak memory ({mem_kind}) | inference {infer_mem:.0f} MiB | '
          f'after training {train_mem:.0f} MiB |')
    out = args.out or osp.join(cfg.work_dir, 'benchmark.json')
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        json.dump(result, f, indent=2)
    print(f'written to {out}', file=sys.stderr)
    return result


if __name__ == '__main__':
    main()
