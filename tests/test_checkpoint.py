"""cvshared.checkpoint: the one loader and the converters' command line."""
import os.path as osp
import sys
import types

import numpy as np
import pytest
import torch
from cvshared.checkpoint import (
    CheckpointNotFoundError,
    NotACheckpointError,
    UnsafeCheckpointError,
    converter_main,
    load_checkpoint_file,
)


class _Opaque:
    """A class no allow-list names: loading an instance must be refused."""


def test_extra_globals_do_not_remove_process_wide_ones(tmp_path):
    """torch's safe_globals context removes its entries on exit; passing an entry that
    cvshared.compat allowed process-wide (numpy scalars, for mmengine's metadata) must not drop
    it (it did: resume failed in every later test of the worker)."""
    path = str(tmp_path / 'np.pth')
    torch.save({'score': np.float64(0.25)}, path)
    before = set(torch.serialization.get_safe_globals())
    scalar = np._core.multiarray.scalar
    assert scalar in before
    assert load_checkpoint_file(path, extra_safe_globals=[scalar])['score'] == 0.25
    assert set(torch.serialization.get_safe_globals()) == before
    assert load_checkpoint_file(path)['score'] == 0.25


def test_extra_globals_apply_to_one_call_only(tmp_path):
    path = str(tmp_path / 'opaque.pth')
    torch.save({'x': _Opaque()}, path)
    with pytest.raises(UnsafeCheckpointError, match='_Opaque'):
        load_checkpoint_file(path)
    assert isinstance(load_checkpoint_file(path, extra_safe_globals=[_Opaque])['x'], _Opaque)
    with pytest.raises(UnsafeCheckpointError, match='_Opaque'):
        load_checkpoint_file(path)


def test_errors_name_the_file(tmp_path):
    missing = str(tmp_path / 'missing.pth')
    with pytest.raises(CheckpointNotFoundError, match='missing.pth'):
        load_checkpoint_file(missing)
    truncated = tmp_path / 'truncated.pth'
    torch.save({'w': torch.ones(64)}, truncated)
    truncated.write_bytes(truncated.read_bytes()[:200])
    with pytest.raises(NotACheckpointError, match='truncated.pth'):
        load_checkpoint_file(str(truncated))


def test_converter_main_uses_the_convert_module_declarations(tmp_path, monkeypatch):
    """EXTRA_SAFE_GLOBALS and add_arguments of <key>/convert.py reach the loader and convert."""
    module = types.ModuleType('_fake_convert')

    def convert(official, scale=1.0):
        return {'w': official['w'] * scale, 'kind': torch.tensor(len(type(official['x']).__name__))}

    def add_arguments(parser):
        parser.add_argument('--scale', type=float, default=1.0)

    convert.__module__ = module.__name__
    module.convert, module.add_arguments, module.EXTRA_SAFE_GLOBALS = \
        convert, add_arguments, [_Opaque]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    src, dst = str(tmp_path / 'official.pth'), str(tmp_path / 'ours.pth')
    torch.save({'w': torch.ones(2), 'x': _Opaque()}, src)
    state = converter_main(convert, 'Fake converter.', argv=[src, dst, '--scale', '3'])
    assert state['w'].tolist() == [3.0, 3.0]
    saved = load_checkpoint_file(dst)
    assert saved['state_dict']['w'].tolist() == [3.0, 3.0]
    assert saved['meta']['converted_from'] == osp.basename(src)
    # without the module's allow-list the same file is refused
    module.EXTRA_SAFE_GLOBALS = []
    with pytest.raises(UnsafeCheckpointError):
        converter_main(convert, 'Fake converter.', argv=[src, dst])
