"""Catch typos in configs and ``--cfg-options`` before they are silently ignored.

mmengine's ``Runner.from_cfg`` reads a fixed set of top-level keys and ignores every other one,
so ``--cfg-options optim_wraper.optimizer.lr=5`` (a typo) trains with the config's learning
rate and says nothing. Two checks, both applied by :func:`cvshared.engine.launch.load_config`
(so by every tool):

* ``--cfg-options``: the top-level key of each option must be a key the config already has (its
  own helper variables such as ``img_size`` included) or a key the Runner or the OpenMMLab
  conventions read (:data:`KNOWN_KEYS`). Otherwise :class:`ConfigKeyError` names the closest.
* config files: a top-level key that the Runner does not read and whose name is a near miss of
  one it does read (``optim_wraper``, ``train_dataloder``, ``load_form = 'x.pth'``,
  ``resum = True``) is a typo, whatever its value; helper variables with other names
  (``_loader``, ``pipeline``, ``norm_cfg``) pass.

:func:`registry_hints` turns mmengine's "X is not in the registry" ``KeyError`` into one that
lists the closest registered names.
"""
from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

# Keys that OpenMMLab configs use by convention besides the Runner's own arguments.
CONVENTION_KEYS = frozenset({
    'custom_imports', 'default_scope', 'data_root', 'dataset_type', 'tta_model', 'tta_pipeline',
    'visualizer', 'vis_backends', 'train_pipeline', 'val_pipeline', 'test_pipeline',
    'img_norm_cfg', 'norm_cfg', 'crop_size', 'img_scale', 'backend_args', 'file_client_args',
    'metainfo', 'class_names', 'num_classes', 'gpu_ids', 'dist_params', 'model_wrapper_cfg',
    'strategy', 'compile', 'find_unused_parameters', 'auto_scale_lr', 'launcher', 'work_dir',
    'load_from', 'resume', 'log_level', 'log_processor', 'randomness', 'experiment_name',
    'env_cfg', 'default_hooks', 'custom_hooks', 'data_preprocessor', 'train_dataloader',
    'val_dataloader', 'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg', 'optim_wrapper',
    'param_scheduler', 'val_evaluator', 'test_evaluator', 'model', 'cfg', 'filename',
})


def runner_keys() -> frozenset:
    """The keyword arguments of mmengine's ``Runner.__init__`` (what ``from_cfg`` reads)."""
    from mmengine.runner import Runner
    params = inspect.signature(Runner.__init__).parameters
    return frozenset(name for name in params if name != 'self')


def known_keys() -> frozenset:
    return runner_keys() | CONVENTION_KEYS


class ConfigKeyError(KeyError):
    """An unknown top-level key in a config or in ``--cfg-options``."""

    def __str__(self) -> str:  # KeyError would print the repr (quotes, escaped newlines)
        return str(self.args[0]) if self.args else ''


def _suggest(name: str, choices: Iterable[str], cutoff: float = 0.6, n: int = 3) -> list:
    return difflib.get_close_matches(name, sorted(set(choices)), n=n, cutoff=cutoff)


def _did_you_mean(names: list) -> str:
    if not names:
        return ''
    return ' Did you mean ' + ' or '.join(repr(n) for n in names) + '?'


def check_cfg_options(cfg_keys: Iterable[str], options: Mapping | None, source: str = '') -> None:
    """Every ``--cfg-options`` key must start with a key of the config or a known key."""
    if not options:
        return
    have = set(cfg_keys)
    known = known_keys()
    for option in options:
        top = str(option).split('.', 1)[0]
        if top in have or top in known:
            continue
        hint = _did_you_mean(_suggest(top, have | known))
        raise ConfigKeyError(
            f'--cfg-options {option}: the config{" " + source if source else ""} has no '
            f'top-level key {top!r}, so the option would be ignored.{hint} '
            'Known keys: the ones the config defines and those mmengine\'s Runner reads.')


def check_config_keys(cfg: Mapping, source: str = '') -> None:
    """A top-level key that is a near miss of a Runner key is a typo (any value)."""
    known = known_keys()
    for key in list(cfg.keys()):
        if key in known or key.startswith('_'):
            continue
        # a near miss ('resum'), not a helper named after a part of a key ('pipeline', 'model')
        close = [k for k in _suggest(key, known, cutoff=0.85)
                 if key not in k or len(k) - len(key) <= 2]
        if close:
            raise ConfigKeyError(
                f'{source or "config"}: unknown top-level key {key!r}; mmengine\'s Runner '
                f'would ignore it.{_did_you_mean(close)} (Helper variables may have any name '
                'that is not a near miss of a Runner key; prefix them with "_" to be sure.)')


_NOT_IN_REGISTRY = re.compile(r'^(?P<type>\S+) is not in the (?:(?P<scope>[\w.]+)::)?'
                              r'(?P<name>[\w ]+?) registry\.')


def _registries(name: str, scope: str | None) -> list:
    import mmengine.registry as root
    found = []

    def walk(reg):
        if reg.name == name and (scope is None or reg.scope == scope):
            found.append(reg)
        for child in reg.children.values():
            walk(child)

    for obj in vars(root).values():
        if isinstance(obj, root.Registry) and obj.parent is None:
            walk(obj)
    return found


def registered_names(name: str, scope: str | None) -> set:
    """Names that ``registry.get`` can resolve from the registry ``scope::name``."""
    names = set()
    for reg in _registries(name, scope):
        node = reg
        while node is not None:  # get() falls back to the parents
            names.update(node.module_dict)
            node = node.parent
        for child in reg.children.values():  # and accepts 'child_scope.Name'
            names.update(f'{child.scope}.{n}' for n in child.module_dict)
    return names


def registry_suggestion(message: str) -> str | None:
    """The hint for one of mmengine's "not in the registry" messages, or None."""
    m = _NOT_IN_REGISTRY.match(message.strip().strip('"\''))
    if m is None:
        return None
    names = registered_names(m.group('name'), m.group('scope'))
    close = _suggest(m.group('type'), names, cutoff=0.5, n=5)
    if close:
        return (f'{m.group("type")!r} is not a registered {m.group("name")} type. Closest '
                f'registered names: {", ".join(close)}.')
    return (f'{m.group("type")!r} is not a registered {m.group("name")} type and no registered '
            'name is close: is the package that registers it in custom_imports?')


class RegistryKeyError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ''


@contextmanager
def registry_hints() -> Iterator[None]:
    """Re-raise mmengine's unknown-type ``KeyError`` with the closest registered names."""
    try:
        yield
    except KeyError as err:
        if isinstance(err, RegistryKeyError) or not err.args:
            raise
        hint = registry_suggestion(str(err.args[0]))
        if hint is None:
            raise
        raise RegistryKeyError(f'{hint}\n(mmengine: {err.args[0]})') from err
