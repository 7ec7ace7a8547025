"""Test a checkpoint with mmengine's Runner.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--show-dir DIR]
                                           [--cfg-options k=v ...] [--launcher pytorch]
    mim test <package> CONFIG --checkpoint CHECKPOINT [same options]
    bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [same options]
"""
import argparse
import json
import os.path as osp

import cvshared  # noqa: F401  (applies the stack fixes before anything loads a checkpoint)
from cvshared.engine.launch import (
    add_run_arguments,
    enable_show_dir,
    load_config,
    parse_run_arguments,
)
from mmengine.runner import Runner


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and evaluate) a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--show-dir', help='save pictures (heat maps, overlays) here')
    parser.add_argument('--out', help='write the metrics to this JSON file')
    add_run_arguments(parser)
    return parse_run_arguments(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'Checkpoint not found: {args.checkpoint!r}')
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.data_root)
    cfg.launcher = args.launcher
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.show_dir:
        enable_show_dir(cfg, args.show_dir)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if args.out:
        with open(args.out, 'w') as f:
            json.dump({k: float(v) for k, v in metrics.items()}, f, indent=2)
    return metrics


if __name__ == '__main__':
    main()
