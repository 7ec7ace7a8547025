"""Config handling shared by ``tools/train.py``, ``tools/test.py``, ``tools/reproduce.py`` and
``tools/benchmark.py``, so that the four tools treat a config the same way."""
from __future__ import annotations

import os
import os.path as osp
from collections.abc import Iterator
from contextlib import contextmanager

from mmengine.config import Config, DictAction


@contextmanager
def data_root_env(data_root: str | None) -> Iterator[None]:
    """Set ``DATA_ROOT`` while a config is parsed (configs read it as ``{{$DATA_ROOT:...}}``)."""
    old = os.environ.get('DATA_ROOT')
    if data_root is not None:
        os.environ['DATA_ROOT'] = str(data_root)
    try:
        yield
    finally:
        if data_root is not None:
            if old is None:
                os.environ.pop('DATA_ROOT', None)
            else:
                os.environ['DATA_ROOT'] = old


def add_run_arguments(parser) -> None:
    """The options that ``tools/train.py`` and ``tools/test.py`` share."""
    parser.add_argument('--work-dir', help='the dir to save logs, checkpoints and metrics')
    parser.add_argument('--data-root', help='sets DATA_ROOT for the config')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value pairs '
                        '(e.g. train_cfg.max_epochs=2)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_run_arguments(parser, argv=None):
    """Parse, and export ``LOCAL_RANK`` for launchers that pass ``--local-rank``."""
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def load_config(path: str,
                cfg_options: dict | None = None,
                work_dir: str | None = None,
                data_root: str | None = None) -> Config:
    """Load a config with the usual OpenMMLab precedence for the work dir.

    Precedence: ``work_dir`` argument > ``work_dir`` in the config > ``./work_dirs/<stem>``.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'Config file not found: {path!r}. Configs live in '
                                f'configs/<paper key>/ of the repository.')
    with data_root_env(data_root):
        cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(path))[0])
    return cfg


def enable_amp(cfg: Config) -> None:
    """Switch the optimizer wrapper to mmengine's ``AmpOptimWrapper`` (dynamic loss scale)."""
    wrapper = cfg.optim_wrapper
    kind = wrapper.get('type', 'OptimWrapper')
    if kind == 'AmpOptimWrapper':
        return
    if kind != 'OptimWrapper':
        raise ValueError(f'--amp needs optim_wrapper.type OptimWrapper, the config has {kind!r}.')
    wrapper.type = 'AmpOptimWrapper'
    wrapper.setdefault('loss_scale', 'dynamic')


def set_resume(cfg: Config, resume: str | None) -> None:
    """``--resume`` alone resumes the latest checkpoint of the work dir; with a path, that one."""
    if resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif resume is not None:
        cfg.resume = True
        cfg.load_from = resume


def enable_show_dir(cfg: Config, show_dir: str) -> None:
    """Make the config's visualization hook draw and save pictures into ``show_dir``.

    Every package puts its visualization hook at ``default_hooks.visualization`` with the
    arguments ``draw`` and ``test_out_dir`` (as mmseg's ``SegVisualizationHook``).
    """
    hooks = cfg.get('default_hooks') or {}
    hook = hooks.get('visualization')
    if hook is None:
        raise KeyError('--show-dir needs a visualization hook at default_hooks.visualization in '
                       'the config; this config has none.')
    hook['draw'] = True
    hook['test_out_dir'] = osp.abspath(show_dir)


def drop_pretrained(node):
    """Set every pretrained-weight path of a model config to None (random initialisation).

    Clears keys named ``checkpoint`` or ``pretrained`` and ``init_cfg`` of type ``Pretrained``,
    at any depth. Used where the weights do not matter (building every config in the tests,
    throughput benchmarks) so that nothing has to be downloaded first.
    """
    if isinstance(node, dict):
        for key in list(node):
            if key in ('checkpoint', 'pretrained'):
                node[key] = None
            elif key == 'init_cfg' and isinstance(node[key], dict) \
                    and node[key].get('type') == 'Pretrained':
                node[key] = None
            else:
                drop_pretrained(node[key])
    elif isinstance(node, (list, tuple)):
        for item in node:
            drop_pretrained(item)
    return node
