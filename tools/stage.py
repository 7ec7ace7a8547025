"""Run one stage (or all) of a staged paper's pipeline (``<paper>.paper.SPEC.pipeline``).

    python tools/stage.py psa all                    # every stage, skipping complete ones
    python tools/stage.py psa train_aff [--force]    # one stage (its inputs must exist)
    python tools/stage.py psa list                   # the stages, in order, and their state
    python tools/stage.py irn cam --data-root data/VOCdevkit/VOC2012 --work-dir W
                                                     [--cfg-options k=v ...] [--synthetic]

The work dir defaults to ``work_dirs/reproduce/<paper>`` (the one ``make reproduce`` uses),
so a reproduction can be resumed or one stage rerun with ``--force``. Data: ``--data-root``
(the VOC2012 folder), else the configs' default data root when the data set is there, else the
synthetic set (generated on first use, said loudly), as ``tools/reproduce.py`` decides. A
stage whose input is missing names the stage to run first; an unknown stage lists the valid
ones. See ``cvshared.engine.stages`` for the stage-input convention of the configs.
"""
import argparse
import os.path as osp
import sys

import cvshared  # noqa: F401  (stack fixes)
from cvshared.engine.reproduce import (
    SYNTHETIC_BANNER,
    choose_data,
    ensure_synthetic,
    load_spec,
)
from cvshared.engine.stages import STAGE_DONE, StageError
from mmengine.config import DictAction


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Run stages of a staged paper\'s pipeline')
    p.add_argument('paper', help='paper key with a pipeline (psa, irn)')
    p.add_argument('stage', help='stage name, "all", or "list"')
    p.add_argument('--work-dir', help='default: work_dirs/reproduce/<paper>')
    p.add_argument('--data-root', help='root of the real data set (else default / synthetic)')
    p.add_argument('--synthetic', action='store_true',
                   help='use the synthetic data set (and the synthetic pipeline)')
    p.add_argument('--synthetic-root', help='where the synthetic set is generated')
    p.add_argument('--force', action='store_true', help='rerun complete stages')
    p.add_argument('--spec', help='module:attribute of a PaperSpec (default <paper>.paper:SPEC)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override settings of the stages\' configs, key=value pairs')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    spec = load_spec(args.paper, args.spec)
    if spec.pipeline is None:
        raise SystemExit(f'{spec.key} has no staged pipeline (SPEC.pipeline is None); use '
                         f'tools/train.py / tools/test.py or tools/reproduce.py {spec.key}.')
    work_dir = args.work_dir or osp.join('work_dirs', 'reproduce', spec.key)
    known = set(spec.pipeline.names) | set(spec.pipeline_for(True).names)
    if args.stage not in known | {'all', 'list'}:  # before looking for data
        raise SystemExit(f'{spec.key} has no stage {args.stage!r}. Valid stages, in order:\n'
                         f'{spec.pipeline.describe()}\n(or all, or list)')
    if args.synthetic:
        if args.data_root:
            raise SystemExit('--synthetic and --data-root exclude each other')
        root = args.synthetic_root or osp.join('data', 'synthetic', spec.key)
        synthetic = True
    else:
        choice = choose_data(spec, args.data_root, None, args.synthetic_root)
        root, synthetic = choice.root, choice.synthetic
    pipeline = spec.pipeline_for(synthetic)
    if args.stage == 'list':
        print(f'{spec.key} pipeline ({"synthetic" if synthetic else "real"} data, work dir '
              f'{work_dir}):\n{pipeline.describe()}')
        for s in pipeline:
            print(f'  {s.name}: {"complete" if s.is_done(work_dir) else "not done"} '
                  f'({osp.join(s.out_dir(work_dir), STAGE_DONE)})')
        return {}
    if args.stage != 'all' and args.stage not in pipeline.names:
        raise SystemExit(f'{spec.key} has no stage {args.stage!r}. Valid stages, in order:\n'
                         f'{pipeline.describe()}\n(or all, or list)')
    if synthetic:
        print(SYNTHETIC_BANNER.format(key=spec.key, root=osp.abspath(root),
                                      hint=spec.data_hint), flush=True)
        ensure_synthetic(spec, root)
    try:
        return pipeline.run(work_dir, only=None if args.stage == 'all' else args.stage,
                            force=args.force, data_root=root, cfg_options=args.cfg_options,
                            paper=spec.key)
    except StageError as err:
        raise SystemExit(f'{type(err).__name__}: {err}') from err


if __name__ == '__main__':
    main()
