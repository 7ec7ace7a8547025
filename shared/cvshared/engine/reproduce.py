"""The logic behind ``make reproduce`` and ``make benchmark`` (``tools/reproduce.py``,
``tools/benchmark.py``): find a paper's spec, decide between the real benchmark and the
synthetic data set, run train-then-test over the paper's runs, and report against the paper.
"""
from __future__ import annotations

import importlib
import json
import os
import os.path as osp
import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from mmengine.config import Config

from ..paper import PaperSpec

SYNTHETIC_BANNER = """
############################################################################
#  NO DATA SET FOUND: running on the SYNTHETIC data set of '{key}'
#  (generated in the benchmark's real on-disk layout at {root}).
#  These numbers say the pipeline works and learns; they are NOT comparable
#  to the paper's. For the real benchmark: make reproduce PAPER={key} DATA_ROOT=...
#  {hint}
############################################################################
"""


REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.realpath(__file__)))))


def paper_keys() -> list:
    """The paper keys: folders of ``packages/`` with a ``pyproject.toml``."""
    packages = osp.join(REPO, 'packages')
    if not osp.isdir(packages):
        return []
    return sorted(d for d in os.listdir(packages)
                  if osp.isfile(osp.join(packages, d, 'pyproject.toml')))


def _unknown_paper(key: str, why: str) -> SystemExit:
    keys = paper_keys()
    return SystemExit(f"Unknown paper '{key}' ({why}). Valid PAPER= keys: "
                      f"{', '.join(keys) or '(no package under packages/)'}.")


def load_spec(key: str, spec_path: str | None = None) -> PaperSpec:
    """``<key>.paper.SPEC``, or ``module:attribute`` given by ``spec_path``."""
    module_name, attr = (spec_path.split(':') if spec_path else (f'{key}.paper', 'SPEC'))
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name not in (key, module_name):
            raise
        raise _unknown_paper(key, f"no importable module '{module_name}'") from err
    spec = getattr(module, attr, None)
    if spec is None:
        raise _unknown_paper(key, f'{module_name} has no {attr}: not a paper package')
    if not isinstance(spec, PaperSpec):
        raise _unknown_paper(key, f'{module_name}.{attr} is a {type(spec).__name__}, '
                             'not a PaperSpec')
    return spec


def resolve_config(path: str) -> str:
    """A spec's config path (relative to the repository root) from any working directory."""
    if osp.isfile(path) or osp.isabs(path) or not osp.isfile(osp.join(REPO, path)):
        return path
    return osp.join(REPO, path)


def default_data_root(config_path: str) -> str | None:
    """The ``data_root`` a config falls back to when ``DATA_ROOT`` is not set."""
    saved = os.environ.pop('DATA_ROOT', None)
    try:
        cfg = Config.fromfile(resolve_config(config_path))
    finally:
        if saved is not None:
            os.environ['DATA_ROOT'] = saved
    return cfg.get('data_root')


SYNTHETIC_MARKER = '.synthetic_complete'


def synthetic_complete(root: str) -> bool:
    """True when ``root`` holds a complete synthetic set (its generator finished)."""
    return osp.isfile(osp.join(root, SYNTHETIC_MARKER))


def synthetic_fingerprint(spec: PaperSpec) -> str:
    """A digest of the code that writes ``spec``'s synthetic set: the source of the module
    defining ``spec.make_synthetic`` and of the data-set modules (``cvshared.datasets.*`` and
    the paper package's own) whose functions it names. A set written by other code (a changed
    option, size or generator) has another fingerprint."""
    import hashlib
    import inspect

    fn = spec.make_synthetic
    modules = {inspect.getmodule(fn)}
    for value in getattr(fn, '__globals__', {}).values():
        name = getattr(value, '__module__', None) or ''
        if callable(value) and name.startswith(('cvshared.datasets', f'{spec.key}.')):
            modules.add(inspect.getmodule(value))
    digest = hashlib.sha256(getattr(fn, '__qualname__', repr(fn)).encode())
    for module in sorted((m for m in modules if m is not None), key=lambda m: m.__name__):
        try:
            digest.update(module.__name__.encode() + inspect.getsource(module).encode())
        except (OSError, TypeError):  # no source (a built-in or a frozen module)
            digest.update(module.__name__.encode())
    return digest.hexdigest()[:16]


def _marker_fingerprint(root: str) -> str | None:
    with open(osp.join(root, SYNTHETIC_MARKER)) as f:
        for line in f:
            if line.startswith('generator '):
                return line.split()[1]
    return None


def ensure_synthetic(spec: PaperSpec, root: str) -> str:
    """Generate the synthetic data set once at ``root``.

    The set is written into a private folder beside ``root`` and renamed into place when it is
    complete (a marker file inside records completion), so an interrupted generation never
    leaves a partial set that later runs would train on, and processes that generate at once
    (the ranks of a distributed launch) each get a complete set: the first rename wins, the
    others discard theirs. A folder at ``root`` without the marker is an error naming it, and
    so is a set that other generator code wrote (:func:`synthetic_fingerprint`, recorded in the
    marker): it is never used as if it were the current one.
    """
    import shutil

    fingerprint = synthetic_fingerprint(spec)
    if synthetic_complete(root):
        found = _marker_fingerprint(root)
        if found != fingerprint:
            raise FileExistsError(
                f'{root!r} holds a synthetic data set of {spec.key} written by other generator '
                f'code ({"fingerprint " + found if found else "no fingerprint: an older version"}'
                f'; the current {spec.make_synthetic.__module__}.'
                f'{getattr(spec.make_synthetic, "__name__", "make_synthetic")} has {fingerprint}).'
                f' Delete the folder to generate the current set, and the work dirs of runs on '
                f'the old one (their stages and checkpoints came from it; work_dirs/reproduce/'
                f'{spec.key} by default).')
        return root
    if osp.isdir(root) and os.listdir(root):
        raise FileExistsError(
            f'{root!r} holds an incomplete synthetic data set of {spec.key} (no '
            f'{SYNTHETIC_MARKER}: its generation was interrupted). Delete the folder to '
            'generate it again.')
    if osp.isdir(root):
        os.rmdir(root)
    parent = osp.dirname(osp.abspath(root))
    os.makedirs(parent, exist_ok=True)
    partial = osp.join(parent, f'.{osp.basename(osp.abspath(root))}.partial-{os.getpid()}')
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    try:
        spec.make_synthetic(partial)
        with open(osp.join(partial, SYNTHETIC_MARKER), 'w') as f:
            f.write(f'synthetic data set of {spec.key}\ngenerator {fingerprint}\n')
        try:
            os.replace(partial, root)
        except OSError:
            if not synthetic_complete(root):  # not another process's complete set
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return root


@dataclass
class DataChoice:
    synthetic: bool
    root: str
    runs: dict


def choose_data(spec: PaperSpec,
                data_root: str | None,
                selected: list | None = None,
                synthetic_root: str | None = None) -> DataChoice:
    """Real benchmark when it is there, else the synthetic set (said loudly).

    An explicit ``data_root`` that does not hold the data set is an error that shows the
    expected tree (``spec.check_data`` raises it); only when no data root was given do we fall
    back to the synthetic set.
    """
    runs = dict(spec.runs)
    synthetic_runs = dict(spec.synthetic_runs)
    if selected:
        unknown = [name for name in selected if name not in runs and name not in synthetic_runs]
        if unknown:
            raise SystemExit(f'Unknown run(s) {unknown} for {spec.key}; '
                             f'choose from: {", ".join(runs)} (real data) or '
                             f'{", ".join(synthetic_runs)} (synthetic data)')
        if all(name in synthetic_runs for name in selected) \
                and not any(name in runs for name in selected):
            root = synthetic_root or osp.join('data', 'synthetic', spec.key)
            return DataChoice(True, root, {n: synthetic_runs[n] for n in selected})
        runs = {name: runs[name] for name in selected if name in runs}
    if data_root is not None:
        for name in runs:
            spec.check_data(data_root, name)  # raises FileNotFoundError with the tree
        return DataChoice(False, data_root, runs)
    first = next(iter(runs.values()), None)
    default = default_data_root(first) if first else None
    if default is not None:
        try:
            for name in runs:
                spec.check_data(default, name)
            return DataChoice(False, default, runs)
        except FileNotFoundError:
            pass
    if selected:
        raise SystemExit(
            f'Run(s) {", ".join(selected)} (CATEGORY=/--run) select the real benchmark of '
            f'{spec.key}, but no data root was given and none was found at the configs\' '
            f'default {default!r}. Pass DATA_ROOT=/path/to/the/data/set (--data-root), or '
            f'choose a synthetic run: {", ".join(synthetic_runs)}.')
    root = synthetic_root or osp.join('data', 'synthetic', spec.key)
    return DataChoice(True, root, dict(spec.synthetic_runs))


def aggregate(per_run: Mapping[str, Mapping[str, float]]) -> dict:
    """Mean of each metric over the runs that report it."""
    keys = sorted({k for metrics in per_run.values() for k in metrics})
    return {k: statistics.fmean(m[k] for m in per_run.values() if k in m) for k in keys}


def _fmt(value: float) -> str:
    """One decimal as papers print (99.7); three significant digits for small values (0.0015)."""
    return f'{value:.1f}' if abs(value) >= 1 or value == 0 else f'{value:.3g}'


def results_table(spec: PaperSpec, mean: Mapping[str, float], synthetic: bool,
                  per_run: Mapping[str, Mapping[str, float]], tta: bool = False) -> str:
    """Markdown: the paper's numbers beside ours (in the paper's units) with the protocol of
    each (and a mark where they differ), then every run."""
    label = 'ours (synthetic data)' if synthetic else 'ours'
    ours_protocol = spec.our_protocol(tta)
    lines = [f'## {spec.title}', '',
             f'| metric | paper | paper protocol | {label} | our protocol |',
             '|---|---|---|---|---|']
    reported = spec.reported_for(per_run)
    keys = list(reported) + [k for k in mean if k not in reported]
    differ = []
    for k in keys:
        paper = reported.get(k)
        ours = mean.get(k)
        paper_s = _fmt(paper) if paper is not None else '-'
        ours_s = _fmt(ours * spec.scale(k)) if ours is not None else 'not reported'
        theirs = spec.protocol_of(k) if paper is not None else ''
        mark = ''
        if theirs and theirs != ours_protocol:
            mark = ' (differs)'
            differ.append(k)
        lines.append(f'| {k} | {paper_s} | {theirs or "-"} | {ours_s} | '
                     f'{ours_protocol}{mark} |')
    if spec.reported_not_found:
        lines += ['', f'_The paper\'s numbers: not found ({spec.reported_not_found})._']
    if differ:
        lines += ['', f'_Protocols differ for {", ".join(differ)}: the paper tests with '
                  f'{", ".join(sorted({spec.protocol_of(k) for k in differ}))}, this run with '
                  f'{ours_protocol}' + ('' if tta else ' (try --tta)') + '._']
    if len(per_run) > 1:
        columns = list(spec.reported) or list(mean)
        lines += ['', '| run | ' + ' | '.join(columns) + ' |',
                  '|---|' + '---|' * len(columns)]
        for name, metrics in per_run.items():
            paper_run = spec.reported_per_run.get(name, {})
            vals = [(_fmt(metrics[k] * spec.scale(k)) if k in metrics else '-')
                    + (f' (paper {_fmt(paper_run[k])})' if k in paper_run else '')
                    for k in columns]
            lines.append(f'| {name} | ' + ' | '.join(vals) + ' |')
    if synthetic:
        lines += ['', '_Synthetic data set: these figures show the pipeline runs and learns; '
                  'they are not comparable with the paper._']
    return '\n'.join(lines) + '\n'


def write_results(work_dir: str, spec: PaperSpec, choice: DataChoice,
                  per_run: Mapping[str, Mapping[str, float]], tta: bool = False) -> dict:
    """Write ``results.json`` and ``results.md`` to ``work_dir``; return the JSON payload."""
    mean = aggregate(per_run)
    payload = dict(paper=spec.key, title=spec.title, synthetic=choice.synthetic,
                   data_root=choice.root,
                   paper_units={k: v * spec.scale(k) for k, v in aggregate(per_run).items()},
                   reported=spec.reported_for(per_run), ours=mean,
                   protocol={k: spec.protocol_of(k) for k in spec.reported},
                   our_protocol=spec.our_protocol(tta),
                   runs={k: dict(v) for k, v in per_run.items()})
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, 'results.json'), 'w') as f:
        json.dump(payload, f, indent=2)
    with open(osp.join(work_dir, 'results.md'), 'w') as f:
        f.write(results_table(spec, mean, choice.synthetic, per_run, tta=tta))
    return payload


def run_pipeline(spec: PaperSpec, choice: DataChoice, work_dir: str,
                 cfg_options: dict | None = None, force: bool = False,
                 only=None) -> dict:
    """A staged paper's ``reproduce``: run its pipeline (:mod:`cvshared.engine.stages`) under
    ``work_dir`` on ``choice.root``, resumable stage by stage, and return ``{'pipeline':
    {'<stage>/<metric>': value}}`` (one 'run' holding the metrics of every stage that has
    some, so that equal metric names of two stages are never averaged)."""
    pipeline = spec.pipeline_for(choice.synthetic)
    if pipeline is None:
        raise ValueError(f'{spec.key} has no pipeline')
    per_stage = pipeline.run(work_dir, only=only, force=force, data_root=choice.root,
                             cfg_options=cfg_options, paper=spec.key)
    merged = {f'{stage}/{k}': float(v) for stage, metrics in per_stage.items()
              for k, v in metrics.items()}
    return {'pipeline': merged}
