"""Checkpoint safety everywhere (issue 9 item 1).

Every converter and every tool that takes a checkpoint is fed (a) a pickle that tries to create a
file when it is unpickled, and (b) a file of random bytes. (a) must be refused without the file
appearing; (b) must get an error that says the file is not a checkpoint (torch's own error for
random bytes is an ``IndexError``). mmengine's own loading (``Runner.load_checkpoint`` ->
``mmengine.runner.checkpoint.load_from_local``) calls ``torch.load(filename, map_location)``;
under torch 2.13 that means ``weights_only=True``, checked here on the original function too.
"""
import glob
import os.path as osp
import sys

import pytest
import torch
from cvshared.checkpoint import NotACheckpointError, UnsafeCheckpointError
from repo_helpers import REPO, load_tool, toy_config

CONVERTERS = sorted(glob.glob(osp.join(REPO, 'tools', 'model_converters', '*_official_to_ours.py')))


class _CreatesAFile:
    """Unpickles as ``open(path, 'w')``: arbitrary code would run with weights_only=False."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, 'w'))


@pytest.fixture
def evil(tmp_path):
    """(checkpoint path, the file its unpickling would create)."""
    marker = str(tmp_path / 'PWNED')
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {'linear.weight': torch.zeros(1, 2)}, 'meta': {},
                'payload': _CreatesAFile(marker)}, path)
    assert not osp.exists(marker)
    return path, marker


@pytest.fixture
def random_bytes(tmp_path):
    path = tmp_path / 'random.pth'
    path.write_bytes(b'\x13' + bytes(range(256)) * 16)  # not zip, not a pickle
    return str(path)


def test_the_evil_pickle_really_creates_the_file(evil):
    """The probe is live: loaded unsafely it does create the file (so the tests below mean
    something)."""
    path, marker = evil
    torch.load(path, weights_only=False)
    assert osp.exists(marker)


def test_torch_default_is_weights_only_and_mmengine_inherits_it(evil):
    """torch 2.13: torch.load without weights_only is safe; mmengine's original local loader
    (which passes no weights_only) therefore refuses the pickle too."""
    import pickle

    from mmengine.runner import checkpoint as mm_ckpt

    path, marker = evil
    assert tuple(int(x) for x in torch.__version__.split('+')[0].split('.')[:2]) >= (2, 6)
    with pytest.raises(pickle.UnpicklingError, match='weights_only'):
        mm_ckpt.load_from_local(path, map_location='cpu')
    assert not osp.exists(marker)


def test_mmengine_loads_go_through_the_one_loader(evil, random_bytes):
    """Runner.load_checkpoint, resume and init_cfg Pretrained use CheckpointLoader: routed to
    cvshared.checkpoint.load_checkpoint_file by cvshared.compat."""
    from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

    path, marker = evil
    with pytest.raises(UnsafeCheckpointError, match='Refused to load'):
        CheckpointLoader.load_checkpoint(path, map_location='cpu')
    with pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(path, map_location='cpu')
    with pytest.raises(NotACheckpointError, match='is not a checkpoint'):
        _load_checkpoint(random_bytes, map_location='cpu')
    assert not osp.exists(marker)


def _run_converter(script, src, dst, monkeypatch):
    """Run the converter script as ``__main__`` in this process (as its command line would)."""
    import runpy

    monkeypatch.setattr(sys, 'argv', [script, src, dst])
    runpy.run_path(script, run_name='__main__')


def test_there_are_converters():
    assert len(CONVERTERS) >= 3, CONVERTERS


@pytest.mark.parametrize('script', CONVERTERS,
                         ids=lambda p: osp.basename(p).split('_official_to_ours')[0])
def test_converter_refuses_code_and_garbage(script, evil, random_bytes, tmp_path, monkeypatch):
    path, marker = evil
    dst = str(tmp_path / 'out.pth')
    with pytest.raises(UnsafeCheckpointError, match='Refused to load'):
        _run_converter(script, path, dst, monkeypatch)
    assert not osp.exists(marker), f'{osp.basename(script)} ran code from a checkpoint'
    assert not osp.exists(dst)
    with pytest.raises(NotACheckpointError, match='is not a checkpoint'):
        _run_converter(script, random_bytes, dst, monkeypatch)
    assert not osp.exists(dst)


def test_test_tool_refuses(evil, random_bytes, toy_root, tmp_path):
    path, marker = evil
    test = load_tool('test')
    with pytest.raises(UnsafeCheckpointError):
        test.main([toy_config(), path, '--work-dir', str(tmp_path / 'w'), '--data-root',
                   toy_root])
    with pytest.raises(NotACheckpointError, match='is not a checkpoint'):
        test.main([toy_config(), random_bytes, '--work-dir', str(tmp_path / 'w'),
                   '--data-root', toy_root])
    assert not osp.exists(marker)


@pytest.mark.parametrize('how', ['resume', 'load_from'])
def test_train_tool_refuses(how, evil, random_bytes, toy_root, tmp_path):
    path, marker = evil
    train = load_tool('train')
    for bad, err, match in ((path, UnsafeCheckpointError, 'Refused'),
                            (random_bytes, NotACheckpointError, 'is not a checkpoint')):
        extra = (['--resume', bad] if how == 'resume'
                 else ['--cfg-options', f'load_from={bad}'])
        with pytest.raises(err, match=match):
            train.main([toy_config(), '--work-dir', str(tmp_path / how), '--data-root',
                        toy_root, *extra])
    assert not osp.exists(marker)
    assert not glob.glob(str(tmp_path / how / '*.pth'))  # nothing trained or saved


def test_infer_tool_refuses(evil, random_bytes, tmp_path):
    path, marker = evil
    infer = load_tool('infer')
    points = tmp_path / 'points.txt'
    points.write_text('0.5 0.5\n')
    with pytest.raises(UnsafeCheckpointError):
        infer.main([toy_config(), path, str(points), '--out-dir', str(tmp_path / 'o')])
    with pytest.raises(NotACheckpointError, match='is not a checkpoint'):
        infer.main([toy_config(), random_bytes, str(points), '--out-dir', str(tmp_path / 'o')])
    assert not osp.exists(marker)
