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
    assert BMN is not None
    if compat.DRN_MODULES[0] in sys.modules and DRN is compat._MissingDRN:
        with pytest.raises(ImportError, match='localizers.drn'):
            DRN()


def test_apply_is_idempotent():
    compat.apply()
    compat.apply()
    assert compat._APPLIED
