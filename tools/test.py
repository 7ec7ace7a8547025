"""Test a checkpoint with mmengine's Runner.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--show-dir DIR] [--tta]
                                           [--non-strict] [--cfg-options k=v ...]
                                           [--launcher pytorch]
    mim test <package> CONFIG --checkpoint CHECKPOINT [same options]
    bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [same options]

The checkpoint is read safely (weights_only) and strictly: a checkpoint of another model is an
error that lists the missing and unexpected keys (``--non-strict`` for a deliberate partial
load). ``--show-dir DIR`` saves pictures under ``<work_dir>/<timestamp>/DIR`` (as mmseg).
``--tta`` tests with the config's ``tta_model`` / ``tta_pipeline`` (as mmseg's ``--tta``).
"""
import argparse
import json

import cvshared  # noqa: F401  (applies the stack fixes before anything loads a checkpoint)
from cvshared.checkpoint import CheckpointNotFoundError
from cvshared.engine.config_check import registry_hints
from cvshared.engine.launch import (
    add_run_arguments,
    enable_show_dir,
    enable_tta,
    load_config,
    parse_run_arguments,
)
from cvshared.engine.weights import load_into_runner, paper_of
from mmengine.runner import Runner


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and evaluate) a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--show-dir', help='save pictures (heat maps, overlays) under '
                        '<work_dir>/<timestamp>/SHOW_DIR')
    parser.add_argument('--tta', action='store_true',
                        help='test-time augmentation (the config\'s tta_model / tta_pipeline)')
    parser.add_argument('--out', help='write the metrics to this JSON file')
    add_run_arguments(parser)
    return parse_run_arguments(parser, argv)


def main(argv=None):
    import os.path as osp

    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise CheckpointNotFoundError(f'Checkpoint not found: {args.checkpoint!r}')
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.data_root)
    cfg.launcher = args.launcher
    cfg.load_from = None  # loaded below, strictly and safely (mmengine's load_from is lax)
    cfg.resume = False
    if args.tta:
        enable_tta(cfg)
    if args.show_dir:
        enable_show_dir(cfg, args.show_dir)
    with registry_hints():
        runner = Runner.from_cfg(cfg)
        load_into_runner(runner, args.checkpoint, strict=not args.non_strict,
                         paper=paper_of(args.config))
        metrics = runner.test()
    if args.out:
        with open(args.out, 'w') as f:
            json.dump({k: float(v) for k, v in metrics.items()}, f, indent=2)
    return metrics


if __name__ == '__main__':
    main()
