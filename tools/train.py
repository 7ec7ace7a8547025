"""Train a model from a config with mmengine's Runner.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] [--non-strict]
                                 [--cfg-options k=v ...] [--launcher pytorch]
    mim train <package> CONFIG [same options]
    bash tools/dist_train.sh CONFIG GPUS [same options]

A checkpoint to resume or to start from (``load_from``) is read safely and must fit the model
exactly (``--non-strict`` for a deliberate partial load). A paper's synthetic config generates
its data set at its default data root on first use.
"""
import argparse

import cvshared  # noqa: F401  (applies the stack fixes before anything loads a checkpoint)
from cvshared.engine.config_check import registry_hints
from cvshared.engine.launch import (
    add_run_arguments,
    enable_amp,
    load_config,
    parse_run_arguments,
    set_resume,
)
from cvshared.engine.weights import paper_of, verify_runner_checkpoint
from mmengine.runner import Runner


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None,
        help='resume from the latest checkpoint in the work dir, or from the given checkpoint')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision')
    add_run_arguments(parser)
    return parse_run_arguments(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options, args.work_dir, args.data_root)
    cfg.launcher = args.launcher
    if args.amp:
        enable_amp(cfg)
    set_resume(cfg, args.resume)
    with registry_hints():
        runner = Runner.from_cfg(cfg)
        verify_runner_checkpoint(runner, strict=not args.non_strict,
                                 paper=paper_of(args.config))
        runner.train()
    return runner


if __name__ == '__main__':
    main()
