"""The stack fixes of cvshared.compat, each proven on the real failure it fixes."""
import io
import pickle
import sys

import cvshared  # noqa: F401
import pytest
import torch
from cvshared import compat


def test_mmengine_checkpoint_loads_with_weights_only(tmp_path):
    """A checkpoint with mmengine's metadata (HistoryBuffer, numpy) loads with the safe loader."""
    import numpy as np
    from mmengine.logging import HistoryBuffer, MessageHub

    hub = MessageHub.get_instance('compat_test')
    hub.update_scalar('train/loss', np.float64(0.5))
    hub.update_scalar('train/lr', 0.1)
    ckpt = dict(meta=dict(seed=np.int64(3), arr=np.arange(3, dtype=np.float32)),
                message_hub=hub.state_dict(), state_dict={'w': torch.ones(2)})
    path = tmp_path / 'ckpt.pth'
    torch.save(ckpt, path)
    loaded = torch.load(path, weights_only=True)
    buf = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer)
    assert buf.current() == 0.5 and buf.mean() == 0.5
    assert loaded['meta']['arr'].tolist() == [0.0, 1.0, 2.0]


class _Evil:
    """Unpickles as ``getattr(HistoryBuffer, '__init__')``: a step towards arbitrary code."""

    def __reduce__(self):
        from mmengine.logging import HistoryBuffer
        return (getattr, (HistoryBuffer, '__init__'))


def test_restricted_getattr_refuses_anything_else(tmp_path):
    """The pickle's ``getattr`` resolves HistoryBuffer statistics only, so the loader stays safe."""
    path = tmp_path / 'evil.pth'
    torch.save({'x': _Evil()}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    from mmengine.logging import HistoryBuffer
    with pytest.raises(pickle.UnpicklingError):
        compat._history_buffer_getattr(HistoryBuffer, '__init__')
    assert compat._history_buffer_getattr(HistoryBuffer, 'mean') is HistoryBuffer.mean


def test_safe_loading_still_on(tmp_path):
    """We allow-listed classes; we did not switch weights_only off."""
    path = tmp_path / 'obj.pth'
    torch.save({'obj': io.BytesIO(b'x')}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)


def test_mmaction_models_import_and_drn_placeholder():
    import mmaction.models  # noqa: F401  (fails without the fix on the PyPI 1.2.0 wheel)
    from mmaction.models.localizers import BMN, DRN
    assert issubclass(BMN, torch.nn.Module) and BMN.__name__ == 'BMN'
    patched = sys.modules[compat.DRN_MODULES[1]].__dict__.get('DRN') is compat._MissingDRN
    if patched:  # the wheel lacks the subpackage: the placeholder is what mmaction imported
        assert DRN is compat._MissingDRN
        with pytest.raises(ImportError, match='localizers.drn'):
            DRN()
    else:  # a release that ships it: the real class, nothing patched
        assert DRN is not compat._MissingDRN and issubclass(DRN, torch.nn.Module)
    assert compat.patch_mmaction_drn() is False  # a second call changes nothing


def test_apply_is_idempotent():
    from mmengine.dist import utils as dist_utils
    from mmengine.model.wrappers import distributed as mm_ddp
    from mmengine.runner.checkpoint import CheckpointLoader

    before = (dist_utils._init_dist_pytorch, mm_ddp.MMDistributedDataParallel.__init__,
              len(torch.serialization.get_safe_globals()))
    compat.apply()
    compat.enable_cpu_distributed()  # even called directly, nothing is wrapped twice
    after = (dist_utils._init_dist_pytorch, mm_ddp.MMDistributedDataParallel.__init__,
             len(torch.serialization.get_safe_globals()))
    assert after == before
    assert dist_utils._init_dist_pytorch._cvshared_cpu is True
    assert CheckpointLoader._schemes[''] is compat._safe_local_loader


def test_nccl_on_a_cpu_machine_becomes_gloo(monkeypatch):
    """The runtime bases ask for nccl; without CUDA the process group is gloo (it raised)."""
    from mmengine.dist import utils as dist_utils
    calls = []
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(torch.distributed, 'init_process_group',
                        lambda backend, **kw: calls.append(backend))
    dist_utils._init_dist_pytorch('nccl')
    dist_utils._init_dist_pytorch('gloo')
    assert calls == ['gloo', 'gloo']
