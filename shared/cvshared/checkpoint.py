"""The one checkpoint loader of the repository, and the model converters' command line.

Every checkpoint that a tool, a converter or a test reads goes through
:func:`load_checkpoint_file`. It keeps ``torch.load(weights_only=True)`` on: a pickle can only
rebuild tensors, containers, numbers and the classes that are allow-listed (mmengine's
checkpoint metadata, by :mod:`cvshared.compat`, and what a caller passes for one official
format in ``extra_safe_globals``). A crafted checkpoint that tries to run code is refused with
:class:`UnsafeCheckpointError`; a file that is not a checkpoint at all gets
:class:`NotACheckpointError`. Both name the file.

:func:`converter_main` is the command line of ``tools/model_converters/<key>_official_to_ours.py``:
``SRC DST``, safe loading, the package's pure ``convert(official) -> state_dict``, and an
mmengine checkpoint ``{'state_dict', 'meta'}`` written to ``DST``.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import pickle
import zipfile
from collections.abc import Callable, Iterable, Sequence


class CheckpointError(RuntimeError):
    """A checkpoint file could not be loaded; the message names the file and the fix."""


class CheckpointNotFoundError(CheckpointError, FileNotFoundError):
    """The checkpoint path does not exist."""


class UnsafeCheckpointError(CheckpointError):
    """The file needs to rebuild an object that safe loading does not allow."""


class NotACheckpointError(CheckpointError):
    """The file is not something ``torch.save`` wrote (truncated, another format, random bytes)."""


def _is_torch_file(path: str) -> bool:
    """True for torch's zip format and for the legacy pickle format (starts with a PROTO op)."""
    if zipfile.is_zipfile(path):
        return True
    with open(path, 'rb') as f:
        head = f.read(2)
    return len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5


def load_checkpoint_file(path: str, map_location='cpu',
                         extra_safe_globals: Iterable = ()) -> object:
    """Load ``path`` with ``weights_only=True`` and return what was saved.

    Args:
        path: A file written by ``torch.save`` (an mmengine or official checkpoint).
        map_location: As for ``torch.load``.
        extra_safe_globals: Classes or ``(callable, 'module.name')`` pairs that one official
            format needs besides tensors (``torch.serialization.safe_globals`` for this call
            only). Keep the list narrow and say in the caller why each entry is needed.

    Raises:
        CheckpointNotFoundError: ``path`` does not exist.
        UnsafeCheckpointError: the pickle asks for a global that is not allow-listed.
        NotACheckpointError: the file is not a torch checkpoint or is corrupt.
    """
    import torch

    path = os.fspath(path)
    if not osp.isfile(path):
        raise CheckpointNotFoundError(f'Checkpoint not found: {path!r}.')
    if not _is_torch_file(path):
        raise NotACheckpointError(
            f'{path!r} is not a checkpoint: torch.save writes a zip archive (or a legacy pickle), '
            'this file is neither. Check the path, or re-download a truncated file.')
    # torch's context manager removes its globals on exit: pass only those not allowed already,
    # or leaving it would drop a process-wide entry (mmengine's metadata, cvshared.compat)
    allowed = set(torch.serialization.get_safe_globals())
    extra = [g for g in extra_safe_globals if g not in allowed]
    try:
        with torch.serialization.safe_globals(extra):
            return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        text = str(err)
        # torch's message: a general paragraph, then the unpickler's own reason
        parts = [p.strip() for p in text.split('\n\n') if p.strip()]
        reason = next((p for p in parts if 'GLOBAL' in p or 'Unsupported' in p
                       or 'refuses' in p), parts[-1] if parts else text)
        reason = reason.replace('Please file an issue with the following so that we can make '
                                '`weights_only=True` compatible with your use case: ', '')
        if 'GLOBAL' in text or 'refuses' in text:
            raise UnsafeCheckpointError(
                f'Refused to load {path!r}: it asks to rebuild an object that safe loading '
                f'(torch.load weights_only=True) does not allow ({reason}). Checkpoints of this '
                'repository and converted official ones never need that. If the file is an '
                'official checkpoint, convert it with tools/model_converters/'
                '<key>_official_to_ours.py; never load an untrusted file with '
                'weights_only=False.') from err
        raise NotACheckpointError(
            f'{path!r} is not a readable checkpoint (corrupt, or not written by torch.save): '
            f'{reason}') from err
    except (RuntimeError, EOFError, IndexError, ValueError, KeyError, OSError) as err:
        raise NotACheckpointError(
            f'{path!r} is not a readable checkpoint (corrupt or truncated): '
            f'{type(err).__name__}: {err}') from err


def state_dict_of(checkpoint) -> dict:
    """The weights of a loaded checkpoint: its ``state_dict`` entry, or the dict itself."""
    if isinstance(checkpoint, dict) and isinstance(checkpoint.get('state_dict'), dict):
        return checkpoint['state_dict']
    if isinstance(checkpoint, dict):
        return checkpoint
    raise NotACheckpointError(f'expected a dict of weights, got a {type(checkpoint).__name__}.')


def converter_main(convert_fn: Callable[[dict], dict], doc: str | None = None,
                   extra_safe_globals: Sequence | None = None,
                   argv: Sequence[str] | None = None,
                   add_arguments: Callable | None = None) -> dict:
    """Command line of a model converter: ``SRC DST`` -> an mmengine checkpoint at ``DST``.

    ``convert_fn(official_checkpoint_dict)`` returns our state dict. The module that defines
    ``convert_fn`` (``<key>/convert.py``) may declare, so that every entry point stays the same
    four lines:

    * ``EXTRA_SAFE_GLOBALS``: the narrow allow-list its official format needs (used unless
      ``extra_safe_globals`` is given);
    * ``add_arguments(parser)``: extra command-line options (used unless ``add_arguments`` is
      given); every option other than ``src`` and ``dst`` is passed to ``convert_fn`` by name.
    """
    import sys

    import torch

    module = sys.modules.get(getattr(convert_fn, '__module__', ''), None)
    if extra_safe_globals is None:
        extra_safe_globals = getattr(module, 'EXTRA_SAFE_GLOBALS', ())
    if add_arguments is None:
        add_arguments = getattr(module, 'add_arguments', None)
    first_line = (doc or 'Convert an official checkpoint').strip().splitlines()[0]
    parser = argparse.ArgumentParser(description=first_line)
    parser.add_argument('src', help='official checkpoint')
    parser.add_argument('dst', help='output checkpoint for this repository')
    if add_arguments is not None:
        add_arguments(parser)
    args = vars(parser.parse_args(argv))
    src, dst = args.pop('src'), args.pop('dst')
    official = load_checkpoint_file(src, extra_safe_globals=extra_safe_globals)
    if not isinstance(official, dict):
        raise NotACheckpointError(f'{src!r} holds a {type(official).__name__}, not a dict: not '
                                  'an official checkpoint of this paper.')
    state = convert_fn(official, **args)
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    torch.save({'state_dict': state, 'meta': {'converted_from': osp.basename(src)}}, dst)
    print(f'wrote {len(state)} tensors to {dst}')
    return state
