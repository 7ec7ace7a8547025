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
    parser.add_argument('--non-strict', action='store_true',
                        help='load a checkpoint whose keys do not all match the model '
                        '(deliberate partial load); the default is strict')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_run_arguments(parser, argv=None):
    """Parse, and export ``LOCAL_RANK`` for launchers that pass ``--local-rank``."""
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def load_config(path: str,
                cfg_options: dict | None = None,
                work_dir: str | None = None,
                data_root: str | None = None,
                check_keys: bool = True,
                generate_synthetic: bool = True) -> Config:
    """Load a config with the usual OpenMMLab precedence for the work dir.

    Precedence: ``work_dir`` argument > ``work_dir`` in the config > ``./work_dirs/<stem>``.
    ``data_root`` is the data set's own root (``DATA_ROOT`` while the config is parsed): the one
    route from every tool to the dataset. Unknown top-level keys in the config or in
    ``cfg_options`` are errors (:mod:`cvshared.engine.config_check`). When the config is a
    paper's synthetic run, no data root was given and the config's default data root does not
    exist, the synthetic set is generated there first (said loudly).

    A ``--cfg-options`` override of a top-level config variable with a plain value
    (``category=my_part``) also reaches every field of the same name that held the variable's
    value (``train_dataloader.dataset.category``, ...): mmengine substitutes variables when the
    file is parsed, so without this the override would change only the unused top-level copy.
    """
    from .config_check import check_cfg_options, check_config_keys

    if not osp.isfile(path):
        raise FileNotFoundError(f'Config file not found: {path!r}. Configs live in '
                                f'configs/<paper key>/ of the repository.')
    with data_root_env(data_root):
        cfg = Config.fromfile(path)
    if check_keys:
        check_config_keys(cfg, source=path)
        check_cfg_options(cfg.keys(), cfg_options, source=path)
    if cfg_options:
        propagate = _variable_overrides(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
        for name, (old, new) in propagate.items():
            _replace_field(cfg._cfg_dict, name, old, new)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(path))[0])
    if generate_synthetic and data_root is None and os.environ.get('DATA_ROOT') is None:
        ensure_synthetic_for_config(path, cfg)
    return cfg


_PLAIN = (str, int, float, bool)


def _variable_overrides(cfg: Config, cfg_options: dict) -> dict:
    """``{name: (old, new)}`` for options that override a top-level plain-valued variable."""
    out = {}
    for key, new in cfg_options.items():
        if '.' in str(key) or key not in cfg:
            continue
        old = cfg[key]
        if isinstance(old, _PLAIN) and isinstance(new, _PLAIN) and old != new:
            out[key] = (old, new)
    return out


def _replace_field(node, name: str, old, new) -> None:
    """Set every ``name`` field equal to ``old`` below ``node`` (dicts and lists) to ``new``."""
    if isinstance(node, dict):
        for key in list(node.keys()):
            value = node[key]
            if key == name and type(value) is type(old) and value == old:
                node[key] = new
            else:
                _replace_field(value, name, old, new)
    elif isinstance(node, (list, tuple)):
        for item in node:
            _replace_field(item, name, old, new)


REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.realpath(__file__)))))


def synthetic_spec_of(path: str):
    """The PaperSpec whose synthetic run is the config at ``path``, or None."""
    from .reproduce import load_spec
    from .weights import paper_of

    target = osp.realpath(path)
    candidates = []
    key = paper_of(path)
    if key:
        try:
            candidates.append(load_spec(key))
        except (SystemExit, ImportError, AttributeError, TypeError):
            pass
    from ..testing import TOY_SPEC
    candidates.append(TOY_SPEC)
    for spec in candidates:
        for config in spec.synthetic_runs.values():
            for base in ('', REPO):
                if osp.realpath(osp.join(base, config)) == target:
                    return spec
    return None


SYNTHETIC_FIRST_USE = """
############################################################################
#  SYNTHETIC DATA SET of '{key}' not found at {root}:
#  generating it now (first use of {config}).
#  Numbers on it show the pipeline runs and learns; they are NOT the paper's.
############################################################################
"""


def ensure_synthetic_for_config(path: str, cfg: Config) -> str | None:
    """Generate the synthetic set at the config's data root if it is a synthetic run's config
    and the root holds no complete set; returns the root generated, else None."""
    import sys

    from .reproduce import ensure_synthetic, synthetic_complete

    root = cfg.get('data_root')
    if not isinstance(root, str):
        return None
    spec = synthetic_spec_of(path)
    if spec is None:
        return None
    if synthetic_complete(root):
        ensure_synthetic(spec, root)  # raises if other generator code wrote it
        return None
    print(SYNTHETIC_FIRST_USE.format(key=spec.key, root=osp.abspath(root),
                                     config=osp.basename(path)), file=sys.stderr, flush=True)
    ensure_synthetic(spec, root)
    return root


def enable_tta(cfg: Config) -> None:
    """Test-time augmentation as mmseg's ``tools/test.py --tta``: the test pipeline becomes
    ``cfg.tta_pipeline`` and the model is wrapped in ``cfg.tta_model``."""
    missing = [k for k in ('tta_model', 'tta_pipeline') if cfg.get(k) is None]
    if missing:
        raise KeyError(f'--tta needs {" and ".join(missing)} in the config (as mmseg configs '
                       'define them); this config has none, so it has no test-time '
                       'augmentation protocol.')
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    cfg.tta_model.module = cfg.model
    cfg.model = cfg.tta_model


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
    arguments ``draw`` and ``test_out_dir`` (as mmseg's ``SegVisualizationHook``). As in mmseg,
    a relative ``show_dir`` is under ``<work_dir>/<timestamp>/`` (the hook joins them); an
    absolute one is used as it is.
    """
    hooks = cfg.get('default_hooks') or {}
    hook = hooks.get('visualization')
    if hook is None:
        raise KeyError('--show-dir needs a visualization hook at default_hooks.visualization in '
                       'the config; this config has none.')
    hook['draw'] = True
    hook['test_out_dir'] = show_dir


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
