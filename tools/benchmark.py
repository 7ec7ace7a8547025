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
this tool). It also prints the model's parameters, its FLOPs per sample (fvcore, one fused
multiply-add = one FLOP, on one test sample through ``model(..., mode='tensor')``), the torch
thread count, the device, the machine load (1-minute load average / CPU count) and, beside our
figures, the official implementation's recorded ones (``PaperSpec.official_benchmark``).
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
from cvshared.engine.config_check import registry_hints
from cvshared.engine.launch import drop_pretrained, load_config
from cvshared.engine.reproduce import choose_data, ensure_synthetic, load_spec, resolve_config
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
    p.add_argument('--threads', type=int, help='torch.set_num_threads (default: torch\'s)')
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


def count_parameters(model) -> dict:
    params = list(model.parameters())
    return dict(params=sum(p.numel() for p in params),
                trainable_params=sum(p.numel() for p in params if p.requires_grad))


class _TensorForward(torch.nn.Module):
    """``model(inputs, data_samples, mode='tensor')`` with tensor outputs only (for tracing)."""

    def __init__(self, model, data_samples):
        super().__init__()
        self.model = model
        self.data_samples = data_samples

    def forward(self, inputs):
        out = self.model(inputs, self.data_samples, mode='tensor')
        flat = []

        def collect(x):
            if isinstance(x, torch.Tensor):
                flat.append(x)
            elif isinstance(x, dict):
                for v in x.values():
                    collect(v)
            elif isinstance(x, (list, tuple)):
                for v in x:
                    collect(v)
        collect(out)
        return tuple(flat)


def count_flops(model, loader) -> tuple[float | None, str]:
    """FLOPs of one test sample (fvcore); ``(None, reason)`` when the model cannot be traced."""
    import logging

    try:
        from fvcore.nn import FlopCountAnalysis
    except ImportError:
        return None, 'fvcore is not installed'
    batch = next(iter(loader))
    try:
        data = model.data_preprocessor(batch, False)
        inputs = data['inputs']
        samples = data.get('data_samples')
        if isinstance(inputs, torch.Tensor):
            inputs = inputs[:1]
        else:
            return None, f'inputs are a {type(inputs).__name__}, not one tensor'
        if isinstance(samples, (list, tuple)):
            samples = list(samples[:1])
        logging.getLogger('fvcore').setLevel(logging.ERROR)
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                flops = FlopCountAnalysis(_TensorForward(model, samples), inputs)
                flops.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
                total = float(flops.total())
        finally:
            model.train(was_training)
        return total, f'one sample of shape {tuple(inputs.shape[1:])}'
    except Exception as err:  # report, do not fail the benchmark
        return None, f'not countable: {type(err).__name__}: {str(err).splitlines()[0][:120]}'


def machine_load() -> dict:
    cpus = os.cpu_count() or 1
    try:
        load1, load5, _ = os.getloadavg()
    except OSError:
        load1 = load5 = float('nan')
    return dict(cpu_count=cpus, load_avg_1min=load1, load_avg_5min=load5)


def cycle(loader):
    while True:
        yield from loader


def time_steps(step, loader, iters: int, warmup: int, device: str):
    """Seconds per step and samples per second of ``step(batch)`` after ``warmup`` steps."""
    batches = cycle(loader)
    for _ in range(warmup):
        step(next(batches))
    samples, elapsed = 0, 0.0
    time_steps.samples = 0
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
    time_steps.samples = samples
    return elapsed / iters, samples / elapsed


def _num(x: float) -> str:
    for unit, scale in (('G', 1e9), ('M', 1e6), ('k', 1e3)):
        if abs(x) >= scale:
            return f'{x / scale:.2f} {unit}'
    return f'{x:.0f}'


def format_table(result: dict, spec) -> str:
    """Our figures, then the official implementation's recorded ones."""
    dev = result['device'] + ('' if result['device'] == 'cpu' else f' ({result["device_name"]})')
    mem_kind = 'CUDA max allocated' if result['device'].startswith('cuda') \
        else 'process peak RSS'
    flops = (f'{_num(result["flops_per_sample"])}FLOPs ({result["flops_note"]})'
             if result['flops_per_sample'] is not None else result['flops_note'])
    lines = [f'\n| {spec.key} | {osp.basename(result["config"])} | ours |', '|---|---|---|',
             f'| setting | device {dev}, {result["torch_threads"]} torch threads, machine load '
             f'{result["load_avg_1min"]:.2f} (1 min) on {result["cpu_count"]} CPUs | '
             f'batch train {result["train_batch"]} / test {result["test_batch"]}, '
             f'{result["iters"]} timed iterations after {result["warmup"]} |',
             f'| parameters | {_num(result["params"])} | trainable '
             f'{_num(result["trainable_params"])} |',
             f'| FLOPs per sample | {flops} | |',
             f'| train step | {result["train_step_s"] * 1e3:.1f} ms | '
             f'{result["train_samples_per_s"]:.2f} samples/s |',
             f'| inference step | {result["infer_step_s"] * 1e3:.1f} ms | '
             f'{result["infer_samples_per_s"]:.2f} samples/s |',
             f'| peak memory ({mem_kind}) | inference {result["peak_mem_after_infer_mb"]:.0f} '
             f'MiB | after training {result["peak_mem_after_train_mb"]:.0f} MiB |']
    official = dict(result.get('official') or {})
    if official:
        setting = official.pop('setting', 'setting not recorded')
        lines += ['', f'| official implementation (recorded) | {setting} |', '|---|---|']
        lines += [f'| {k} | {v} |' for k, v in official.items()]
    else:
        lines += ['', '_No official figures recorded (PaperSpec.official_benchmark)._']
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    threads = torch.get_num_threads()
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        return run(args)
    finally:
        torch.set_num_threads(threads)  # main() may run inside another process (tests)


def run(args):
    spec = load_spec(args.paper, args.spec)
    choice = choose_data(spec, args.data_root)
    if choice.synthetic:
        ensure_synthetic(spec, choice.root)
        config = args.config or next(iter(spec.synthetic_runs.values()))
    else:
        config = args.config or spec.benchmark_config or next(iter(choice.runs.values()))
    config = resolve_config(config)
    cfg = load_config(config, args.cfg_options, osp.join('work_dirs', 'benchmark', spec.key),
                      choice.root)
    if not args.keep_weights:
        drop_pretrained(cfg.model)
    cfg.log_level = 'WARNING'
    with registry_hints():
        runner = Runner.from_cfg(cfg)
    model = runner.model.to(args.device)
    optim_wrapper = runner.build_optim_wrapper(cfg.optim_wrapper)
    train_loader = runner.build_dataloader(cfg.train_dataloader)
    test_loader = runner.build_dataloader(cfg.test_dataloader)
    if args.device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()

    sizes = count_parameters(model)
    flops, flops_note = count_flops(model, test_loader)
    model.eval()
    with torch.no_grad():
        infer_s, infer_tp = time_steps(model.test_step, test_loader, args.iters, args.warmup,
                                       args.device)
    infer_samples = time_steps.samples
    infer_mem = peak_memory_mb(args.device)
    model.train()
    train_s, train_tp = time_steps(lambda d: model.train_step(d, optim_wrapper), train_loader,
                                   args.iters, args.warmup, args.device)
    train_samples = time_steps.samples
    train_mem = peak_memory_mb(args.device)
    load = machine_load()

    result = dict(paper=spec.key, config=config, device=args.device,
                  device_name=(torch.cuda.get_device_name() if args.device.startswith('cuda')
                               else 'cpu'),
                  torch_threads=torch.get_num_threads(), synthetic_data=choice.synthetic,
                  train_batch=cfg.train_dataloader.batch_size,
                  test_batch=cfg.test_dataloader.batch_size,
                  iters=args.iters, warmup=args.warmup,
                  train_samples_timed=train_samples, infer_samples_timed=infer_samples,
                  train_step_s=train_s, train_samples_per_s=train_tp,
                  infer_step_s=infer_s, infer_samples_per_s=infer_tp,
                  peak_mem_after_infer_mb=infer_mem, peak_mem_after_train_mb=train_mem,
                  flops_per_sample=flops, flops_note=flops_note, **sizes, **load,
                  official=dict(spec.official_benchmark))
    print(format_table(result, spec))
    out = args.out or osp.join(cfg.work_dir, 'benchmark.json')
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        json.dump(result, f, indent=2)
    print(f'written to {out}', file=sys.stderr)
    return result


if __name__ == '__main__':
    main()
