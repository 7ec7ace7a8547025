"""Train and test a paper's configs, then print the paper's numbers beside ours.

    make reproduce PAPER=msflow [DATA_ROOT=...] [CONFIG=...] [CATEGORY=bottle] [GPUS=...]
                            [WORK_DIR=...]
    python tools/reproduce.py msflow [--data-root D] [--config C] [--run NAME ...] [--gpus N]

With no data root and no data at the configs' default location, it runs the package's synthetic
data set (generated in the benchmark's real layout) and says so loudly; ``--run`` / ``CATEGORY=``
naming a real run without data is an error. The data root reaches the configs one way,
``load_config(..., data_root=...)``, as in ``tools/train.py``. ``--tta`` tests with the configs'
``tta_model`` / ``tta_pipeline``. Results (each paper number beside ours, with the protocol of
each) are written to ``<work_dir>/results.json`` and ``results.md``.

A staged paper (``SPEC.pipeline`` set: PSA, IRN) runs its stages in order instead, resumable
stage by stage under the same work dir (``python tools/stage.py <paper> <stage>`` runs one),
and reports the metrics of its stages as ``<stage>/<metric>``.
"""
import argparse
import copy
import os
import os.path as osp
import subprocess
import sys

import cvshared  # noqa: F401  (stack fixes)
from cvshared.engine.config_check import registry_hints
from cvshared.engine.launch import enable_tta, load_config
from cvshared.engine.reproduce import (
    SYNTHETIC_BANNER,
    DataChoice,
    choose_data,
    ensure_synthetic,
    load_spec,
    resolve_config,
    results_table,
    run_pipeline,
    write_results,
)
from mmengine.config import DictAction
from mmengine.dist import get_rank
from mmengine.runner import Runner


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Reproduce a paper end to end')
    p.add_argument('paper', help='paper key, a folder of packages/ (e.g. msflow)')
    p.add_argument('--data-root', help='root of the real benchmark (else synthetic)')
    p.add_argument('--config', help='run only this config (instead of the paper\'s runs)')
    p.add_argument('--run', nargs='+', help='run only these of the paper\'s runs (e.g. bottle)')
    p.add_argument('--work-dir', help='default: work_dirs/reproduce/<paper>')
    p.add_argument('--synthetic-root', help='where to generate the synthetic data set')
    p.add_argument('--gpus', type=int, default=1, help='GPUs on this node (torchrun when > 1)')
    p.add_argument('--spec', help='module:attribute of a PaperSpec (default <paper>.paper:SPEC)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override settings of every config, key=value pairs')
    p.add_argument('--tta', action='store_true',
                   help='test with the configs\' test-time augmentation (tta_model)')
    p.add_argument('--launcher', choices=['none', 'pytorch'], default='none')
    p.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return p.parse_args(argv)


def relaunch_distributed(args, argv):
    """Re-run this script under torchrun with one process per GPU."""
    cmd = [sys.executable, '-m', 'torch.distributed.run', f'--nproc_per_node={args.gpus}',
           f'--master_port={os.environ.get("PORT", "29500")}', osp.abspath(__file__),
           *argv, '--launcher', 'pytorch']
    raise SystemExit(subprocess.call(cmd))


def test_with_tta(runner, tta_cfg):
    """Test the trained weights of ``runner`` wrapped in the config's TTA model."""
    from mmengine.model import is_model_wrapper

    trained = runner.model.module if is_model_wrapper(runner.model) else runner.model
    tta_cfg.load_from = None
    tta_cfg.resume = False
    tta_cfg.experiment_name = f'{runner.experiment_name}_tta'
    tta_runner = Runner.from_cfg(tta_cfg)
    tta_model = tta_runner.model.module if is_model_wrapper(tta_runner.model) \
        else tta_runner.model
    tta_model.module.load_state_dict(trained.state_dict(), strict=True)
    return tta_runner.test()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.gpus > 1 and args.launcher == 'none':
        relaunch_distributed(args, argv)
    spec = load_spec(args.paper, args.spec)
    work_dir = args.work_dir or osp.join('work_dirs', 'reproduce', spec.key)

    if args.config:
        synthetic = args.data_root is None
        root = args.data_root or args.synthetic_root or osp.join('data', 'synthetic', spec.key)
        choice = DataChoice(synthetic, root, {osp.splitext(osp.basename(args.config))[0]:
                                              args.config})
    else:
        choice = choose_data(spec, args.data_root, args.run, args.synthetic_root)
    if choice.synthetic:
        if get_rank() == 0:
            print(SYNTHETIC_BANNER.format(key=spec.key, root=osp.abspath(choice.root),
                                          hint=spec.data_hint), flush=True)
            ensure_synthetic(spec, choice.root)

    if spec.pipeline is not None:  # a staged paper: its stages in order, resumable
        if args.config or args.tta or args.gpus > 1:
            raise SystemExit(f'{spec.key} is a staged paper (python tools/stage.py {spec.key} '
                             '...): --config, --tta and --gpus > 1 do not apply to its '
                             'pipeline; run single stages with tools/stage.py instead.')
        per_run = run_pipeline(spec, choice, work_dir, args.cfg_options)
        _report(spec, work_dir, choice, per_run, args.tta)
        return per_run

    per_run = {}
    for name, config in choice.runs.items():
        print(f'>>> {spec.key}: run {name!r} with {config}', flush=True)
        cfg = load_config(resolve_config(config), args.cfg_options, osp.join(work_dir, name),
                          choice.root)
        cfg.launcher = args.launcher
        if args.tta:  # fail before training when the config has no TTA
            tta_cfg = copy.deepcopy(cfg)
            enable_tta(tta_cfg)
        with registry_hints():
            runner = Runner.from_cfg(cfg)
            runner.train()
            if args.tta:
                metrics = test_with_tta(runner, tta_cfg)
            else:
                metrics = runner.test()
        per_run[name] = {k: float(v) for k, v in metrics.items()}

    _report(spec, work_dir, choice, per_run, args.tta)
    return per_run


def _report(spec, work_dir, choice, per_run, tta):
    if get_rank() == 0:
        payload = write_results(work_dir, spec, choice, per_run, tta=tta)
        print('\n' + results_table(spec, payload['ours'], choice.synthetic, per_run,
                                    tta=tta))
        print(f'Results written to {osp.join(work_dir, "results.json")} and results.md')


if __name__ == '__main__':
    main()
