"""Staged pipelines: a paper whose result comes from a chain of steps (train a CAM network, infer
CAMs, make labels, train on them, ...), each step resumable on its own.

A :class:`Stage` is one step; a :class:`Pipeline` runs its stages in order under one work dir::

    <work_dir>/<stage output>/              what the stage wrote (its mmengine work dir for
                                            'train' / 'test' stages)
    <work_dir>/<stage output>/.stage_done   written last: the stage is complete

``.stage_done`` is a small JSON (``stage``, ``kind``, ``config``, ``data_root``, ``time``,
``duration_s``, ``checkpoint`` for 'train' stages, ``metrics`` for 'test' stages and for
'call' stages that return a dict). A stage whose marker exists is skipped (``force`` reruns
it); a stage that fails leaves no marker. Running a stage removes the markers of the stages
that depend on it (directly or not), so they are run again with its new output (a dependent
'train' stage also loses its ``last_checkpoint`` pointer, so it trains anew instead of
resuming a run made from the old output). A complete
stage made from another data root is an error (a synthetic output is never reused for the
real data set): rerun it with ``force`` or use another work dir.

Kinds:

``'train'``
    ``Runner.train()`` of ``config`` with ``work_dir=<work_dir>/<output>``. Its checkpoint is the
    one mmengine's ``last_checkpoint`` file names (saved by the pipeline when no
    ``CheckpointHook`` saved one). An interrupted train stage (no marker, a ``last_checkpoint``
    in its folder) resumes from that checkpoint unless ``force``.
``'test'``
    ``Runner.test()`` of ``config``; when the stage requires exactly one 'train' stage, that
    stage's checkpoint is loaded strictly and safely first (as ``tools/test.py`` does). Its
    metrics are recorded (and collected by ``tools/reproduce.py``).
``'call'``
    ``fn`` (``'package.module:function'``) is called as ``fn(cfg, work_dir, inputs)``:
    ``cfg`` is ``config`` loaded (or a bare ``Config`` holding ``data_root`` when the stage has
    no config), ``work_dir`` the stage's output folder (created), ``inputs`` the dict described
    below. A returned dict of numbers is the stage's metrics.

How a stage reads earlier outputs (the stage-input convention). A stage lists the stages it
reads in ``requires``. The pipeline hands it:

* ``inputs[<stage name>]`` = that stage's output folder, and ``inputs['<name>_checkpoint']``
  = the checkpoint of each required 'train' stage ('call' stages get this dict);
* in a config, the top-level variable ``stage_inputs = dict(<stage name>='<default dir>')``
  and, for a required 'train' stage, ``<stage name>_checkpoint = '<default path>'``. The
  pipeline sets them as ``--cfg-options`` would, and because mmengine substitutes variables
  when the file is parsed, it also replaces the default string wherever the config used it
  (``ann_dir = stage_inputs['rw']`` or ``stage_inputs['rw'] + '/sem'``: every string field
  equal to the default, or starting with the default followed by ``/``, gets the real folder).
  Defaults must therefore be distinct strings: the convention is the default pipeline layout
  ``'work_dirs/reproduce/<paper>/<stage output>'`` (so the config also runs alone with
  ``tools/train.py`` after the earlier stages ran with their default work dir). A config of a
  stage with ``requires`` that does not declare ``stage_inputs[<name>]`` is an error naming
  the config; declaring ``<name>_checkpoint`` is optional.

Progress is one line per stage start / skip / end, with its duration (stdout).
"""
from __future__ import annotations

import importlib
import json
import os
import os.path as osp
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ['Stage', 'Pipeline', 'StageOrderError', 'StageError', 'STAGE_DONE',
           'stage_done_info', 'bind_stage_inputs']

STAGE_DONE = '.stage_done'
KINDS = ('train', 'test', 'call')


class StageError(RuntimeError):
    """A stage cannot run as asked (bad definition, mismatched previous output, ...)."""


class StageOrderError(StageError):
    """A stage's input is missing: an earlier stage has to run first."""


@dataclass(frozen=True)
class Stage:
    """One step of a :class:`Pipeline` (see the module docstring).

    Args:
        name: Unique name; the CLI's ``tools/stage.py <paper> <name>``.
        kind: ``'train'``, ``'test'`` or ``'call'``.
        config: Config path (relative to the repository root, or absolute); required for
            'train' / 'test', optional for 'call'.
        fn: ``'module:function'`` of a 'call' stage (or the function itself).
        requires: Names of the earlier stages whose output this stage reads.
        output: Folder name under the work dir (default: ``name``).
        description: One line for the stage list of ``tools/stage.py``.
    """

    name: str
    kind: str
    config: str | None = None
    fn: str | Callable | None = None
    requires: tuple[str, ...] = ()
    output: str | None = None
    description: str = ''

    def __post_init__(self):
        if not self.name or '/' in self.name or self.name == 'all':
            raise ValueError(f'stage name {self.name!r}: a non-empty name without "/", not '
                             '"all"')
        if self.kind not in KINDS:
            raise ValueError(f'stage {self.name!r}: kind {self.kind!r} is not one of {KINDS}')
        if self.kind in ('train', 'test') and not self.config:
            raise ValueError(f'{self.kind} stage {self.name!r} needs a config')
        if self.kind == 'call':
            if not callable(self.fn) and (not isinstance(self.fn, str) or ':' not in self.fn):
                raise ValueError(f"call stage {self.name!r} needs fn='package.module:function'")
        elif self.fn:
            raise ValueError(f'{self.kind} stage {self.name!r} runs its config; fn is for '
                             "'call' stages")
        if isinstance(self.requires, str):
            object.__setattr__(self, 'requires', (self.requires,))
        object.__setattr__(self, 'requires', tuple(self.requires))
        if self.output is None:
            object.__setattr__(self, 'output', self.name)

    def out_dir(self, work_dir: str) -> str:
        return osp.join(work_dir, self.output)

    def done_file(self, work_dir: str) -> str:
        return osp.join(self.out_dir(work_dir), STAGE_DONE)

    def is_done(self, work_dir: str) -> bool:
        return osp.isfile(self.done_file(work_dir))


def stage_done_info(stage: Stage, work_dir: str) -> dict:
    """The JSON of a complete stage's marker."""
    with open(stage.done_file(work_dir)) as f:
        return json.load(f)


def _log(msg: str) -> None:
    print(f'[stage] {msg}', flush=True)


def _resolve(path: str) -> str:
    from .reproduce import resolve_config
    return resolve_config(path)


def _fn(spec):
    if callable(spec):
        return spec
    module, _, attr = spec.partition(':')
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as err:
        raise StageError(f'cannot import the stage function {spec!r}: {err}') from err


def _replace_strings(node, old: str, new: str):
    """Every string ``== old`` or starting with ``old + '/'`` below ``node``, rebased on new."""
    if isinstance(node, str):
        if node == old:
            return new
        if node.startswith(old.rstrip('/') + '/'):
            return new.rstrip('/') + node[len(old.rstrip('/')):]
        return node
    if isinstance(node, dict):
        for key in list(node.keys()):
            node[key] = _replace_strings(node[key], old, new)
        return node
    if isinstance(node, list):
        for i, item in enumerate(node):
            node[i] = _replace_strings(item, old, new)
        return node
    if isinstance(node, tuple):
        return type(node)(_replace_strings(item, old, new) for item in node)
    return node


def bind_stage_inputs(cfg, inputs: Mapping[str, str], stage: str = '',
                      source: str = '') -> None:
    """Point a loaded config at the outputs of earlier stages (the convention of the module
    docstring): ``stage_inputs[<name>]`` and ``<name>_checkpoint`` get the values of
    ``inputs`` and their default strings are replaced wherever the config used them.

    The folder of a stage whose checkpoint is also given (a 'train' stage) need not be
    declared (its checkpoint is what a later stage reads); every other folder must be."""
    where = f'{source or "config"} (stage {stage!r})' if stage else (source or 'config')
    declared = cfg.get('stage_inputs')
    dirs = {k: v for k, v in inputs.items() if not k.endswith('_checkpoint')}
    trained = {k for k in dirs if f'{k}_checkpoint' in inputs}
    if not isinstance(declared, Mapping):
        dirs = {k: v for k, v in dirs.items() if k not in trained}
    else:
        dirs = {k: v for k, v in dirs.items() if k not in trained or k in declared}
    if dirs and not isinstance(declared, Mapping):
        raise StageError(
            f'{where} reads the output of stage(s) {sorted(dirs)} but declares no '
            f"'stage_inputs': add stage_inputs = dict({', '.join(f'{k}=...' for k in dirs)}) "
            'with the default folders, and use stage_inputs[<name>] where the folder is read')
    pairs = []
    for name, path in dirs.items():
        if name not in declared:
            raise StageError(f"{where}: stage_inputs has no entry {name!r} (it has "
                             f'{sorted(declared)}); the stage requires {name!r}')
        pairs.append((('stage_inputs', name), declared[name], path))
    for key, path in inputs.items():
        if key.endswith('_checkpoint') and key in cfg:
            pairs.append(((key,), cfg[key], path))
    root = cfg._cfg_dict
    for keys, old, new in pairs:
        if not isinstance(old, str) or not old:
            raise StageError(f'{where}: the default of {".".join(keys)} is {old!r}; it must be '
                             "a distinct string (e.g. 'work_dirs/reproduce/<paper>/<stage>') so "
                             'that the pipeline can find where the config used it')
        _replace_strings(root, old, str(new))
        node = root
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = str(new)


class Pipeline:
    """Stages run in order under one work dir (see the module docstring).

    Args:
        stages: The stages, in the order they run; ``requires`` may only name earlier ones.
        paper: The paper key, used in the messages (``python tools/stage.py <paper> ...``).
    """

    def __init__(self, stages: Sequence[Stage], paper: str = ''):
        self.stages = tuple(stages)
        self.paper = paper
        seen, outputs = {}, {}
        for s in self.stages:
            if s.name in seen:
                raise ValueError(f'two stages are named {s.name!r}')
            if s.output in outputs:
                raise ValueError(f'stages {outputs[s.output]!r} and {s.name!r} write the same '
                                 f'folder {s.output!r}')
            for r in s.requires:
                if r not in seen:
                    later = any(t.name == r for t in self.stages)
                    raise ValueError(f'stage {s.name!r} requires {r!r}, which is '
                                     + ('a later stage' if later else 'not a stage')
                                     + f'; stages: {", ".join(t.name for t in self.stages)}')
            seen[s.name] = s
            outputs[s.output] = s.name
        self._by_name = seen

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    def __getitem__(self, name: str) -> Stage:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f'{self.paper or "pipeline"} has no stage {name!r}; valid stages: '
                           f'{", ".join(self.names)} (or all)') from None

    def __iter__(self):
        return iter(self.stages)

    def __len__(self):
        return len(self.stages)

    def describe(self) -> str:
        lines = []
        for i, s in enumerate(self.stages, 1):
            req = f' (after {", ".join(s.requires)})' if s.requires else ''
            what = s.config or _fn_name(s.fn)
            lines.append(f'  {i}. {s.name:<16} {s.kind:<5} {what}{req}'
                         + (f'  -- {s.description}' if s.description else ''))
        return '\n'.join(lines)

    def dependents(self, name: str) -> list[Stage]:
        """Stages that read ``name``'s output, directly or through others."""
        tainted, out = {name}, []
        for s in self.stages:
            if s.name != name and tainted.intersection(s.requires):
                tainted.add(s.name)
                out.append(s)
        return out

    def command(self, stage: str, paper: str | None = None) -> str:
        return f'python tools/stage.py {paper or self.paper or "<paper>"} {stage}'

    # -- running ---------------------------------------------------------------------------

    def _select(self, only) -> list[Stage]:
        if only is None or only == 'all' or only == ['all']:
            return list(self.stages)
        names = [only] if isinstance(only, str) else list(only)
        chosen = {self[n].name for n in names}  # KeyError lists the valid ones
        return [s for s in self.stages if s.name in chosen]

    def _inputs(self, stage: Stage, work_dir: str, paper: str | None) -> dict:
        inputs = {}
        for r in stage.requires:
            req = self[r]
            if not req.is_done(work_dir):
                raise StageOrderError(
                    f'stage {stage.name!r} needs the output of stage {r!r}, which is not '
                    f'complete in {req.out_dir(work_dir)} (no {STAGE_DONE}). Run it first: '
                    f'{self.command(r, paper)}' + (f' --work-dir {work_dir}'
                                                   if not _default_work_dir(work_dir) else ''))
            inputs[r] = req.out_dir(work_dir)
            if req.kind == 'train':
                inputs[f'{r}_checkpoint'] = stage_done_info(req, work_dir)['checkpoint']
        return inputs

    def run(self, work_dir: str, only: str | Iterable[str] | None = None, force: bool = False,
            data_root: str | None = None, cfg_options: dict | None = None,
            paper: str | None = None) -> dict[str, dict]:
        """Run the stages (all, or ``only`` those named), skipping complete ones unless
        ``force``. Returns ``{stage name: metrics}`` for every selected stage that has metrics
        (test stages and call stages returning a dict), skipped stages included."""
        results = {}
        for stage in self._select(only):
            done = stage.is_done(work_dir)
            if done and not force:
                info = stage_done_info(stage, work_dir)
                self._check_same_data(stage, info, work_dir, data_root, paper)
                _log(f'{stage.name}: skipped, complete in {stage.out_dir(work_dir)} '
                     f'(made {info.get("time", "?")}; --force reruns it)')
                if info.get('metrics'):
                    results[stage.name] = info['metrics']
                continue
            inputs = self._inputs(stage, work_dir, paper)
            metrics = self._run_stage(stage, work_dir, inputs, data_root, cfg_options, force,
                                      paper)
            if metrics:
                results[stage.name] = metrics
        return results

    def _check_same_data(self, stage, info, work_dir, data_root, paper):
        made = info.get('data_root')
        if data_root is None or made is None:
            return
        if osp.abspath(made) != osp.abspath(data_root):
            raise StageError(
                f'stage {stage.name!r} in {stage.out_dir(work_dir)} was made from the data root '
                f'{made!r}, this run uses {data_root!r}. Rerun it with --force '
                f'({self.command(stage.name, paper)} --force) or use another --work-dir.')

    def _run_stage(self, stage, work_dir, inputs, data_root, cfg_options, force, paper):
        out = stage.out_dir(work_dir)
        done_file = stage.done_file(work_dir)
        if osp.exists(done_file):
            os.remove(done_file)
        for dep in self.dependents(stage.name):
            if dep.is_done(work_dir):
                os.remove(dep.done_file(work_dir))
                _log(f'{dep.name}: marked incomplete (it reads the output of {stage.name!r}, '
                     'which is being rerun)')
            # its checkpoints come from the old inputs: resuming them would skip the training
            # (a finished run resumes at its last epoch), so the dependent trains from scratch
            stale = osp.join(dep.out_dir(work_dir), 'last_checkpoint')
            if dep.kind == 'train' and osp.isfile(stale):
                os.remove(stale)
        os.makedirs(out, exist_ok=True)
        _log(f'{stage.name}: start ({stage.kind} {stage.config or _fn_name(stage.fn)}) -> {out}')
        start = time.time()
        record = dict(stage=stage.name, kind=stage.kind, config=stage.config,
                      fn=_fn_name(stage.fn),
                      data_root=osp.abspath(data_root) if data_root else None)
        try:
            if stage.kind == 'call':
                metrics = self._call(stage, out, inputs, data_root, cfg_options)
            else:
                metrics, checkpoint = self._runner_stage(stage, out, inputs, data_root,
                                                         cfg_options, force, paper)
                if checkpoint:
                    record['checkpoint'] = checkpoint
        except BaseException:
            _log(f'{stage.name}: FAILED after {time.time() - start:.1f} s (no {STAGE_DONE} '
                 'written)')
            raise
        duration = time.time() - start
        if metrics:
            record['metrics'] = metrics
        record.update(time=time.strftime('%Y-%m-%d %H:%M:%S'), duration_s=round(duration, 3))
        tmp = f'{done_file}.tmp-{os.getpid()}'
        with open(tmp, 'w') as f:
            json.dump(record, f, indent=2)
        os.replace(tmp, done_file)
        _log(f'{stage.name}: done in {duration:.1f} s'
             + (f' {json.dumps(metrics)}' if metrics else ''))
        return metrics

    def _load(self, stage, out, inputs, data_root, cfg_options):
        from .launch import load_config
        path = _resolve(stage.config)
        options = dict(cfg_options or {})
        cfg = load_config(path, options or None, out, data_root)
        bind_stage_inputs(cfg, inputs, stage.name, stage.config)
        cfg.work_dir = out
        return cfg

    def _call(self, stage, out, inputs, data_root, cfg_options):
        from mmengine.config import Config
        if stage.config:
            cfg = self._load(stage, out, inputs, data_root, cfg_options)
        else:
            cfg = Config(dict(data_root=data_root, **(cfg_options or {})))
        result = _fn(stage.fn)(cfg, out, dict(inputs))
        if result is None:
            return None
        if not isinstance(result, Mapping):
            raise StageError(f'stage {stage.name!r}: {_fn_name(stage.fn)} returned a '
                             f'{type(result).__name__}; a call stage returns None or a dict '
                             'of metrics')
        return {str(k): float(v) for k, v in result.items()}

    def _runner_stage(self, stage, out, inputs, data_root, cfg_options, force, paper):
        from mmengine.runner import Runner

        from .config_check import registry_hints
        from .weights import load_into_runner, verify_runner_checkpoint

        cfg = self._load(stage, out, inputs, data_root, cfg_options)
        cfg.experiment_name = f'{stage.name}_{time.strftime("%Y%m%d_%H%M%S")}_' \
                              f'{uuid.uuid4().hex[:6]}'
        if stage.kind == 'train':
            if not force and osp.isfile(osp.join(out, 'last_checkpoint')) \
                    and not cfg.get('load_from'):
                cfg.resume = True
                _log(f'{stage.name}: resuming the interrupted training in {out}')
            with registry_hints():
                runner = Runner.from_cfg(cfg)
                verify_runner_checkpoint(runner, strict=True, paper=paper or self.paper)
                runner.train()
            return None, self._checkpoint_of(runner, out)
        trained = [r for r in stage.requires if self[r].kind == 'train']
        checkpoint = inputs[f'{trained[0]}_checkpoint'] if len(trained) == 1 else None
        if checkpoint:
            cfg.load_from = None  # loaded below, strictly and safely
            cfg.resume = False
        with registry_hints():
            runner = Runner.from_cfg(cfg)
            if checkpoint:
                load_into_runner(runner, checkpoint, strict=True, paper=paper or self.paper)
            metrics = runner.test()
        return {str(k): float(v) for k, v in (metrics or {}).items()}, None

    @staticmethod
    def _checkpoint_of(runner, out: str) -> str:
        last = osp.join(out, 'last_checkpoint')
        if osp.isfile(last):
            with open(last) as f:
                path = f.read().strip()
            if path and osp.isfile(path):
                return osp.abspath(path)
        runner.save_checkpoint(out, 'stage_final.pth', save_optimizer=False,
                               save_param_scheduler=False)
        return osp.abspath(osp.join(out, 'stage_final.pth'))


def _default_work_dir(work_dir: str) -> bool:
    parts = osp.normpath(work_dir).split(os.sep)
    return len(parts) >= 3 and parts[-3:-1] == ['work_dirs', 'reproduce']


def _fn_name(fn) -> str | None:
    if fn is None or isinstance(fn, str):
        return fn
    return f'{getattr(fn, "__module__", "?")}:{getattr(fn, "__qualname__", repr(fn))}'
