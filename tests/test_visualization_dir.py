"""cvshared.hooks.visualization_dir: where every package's visualization hook writes."""
from types import SimpleNamespace

from cvshared.hooks import visualization_dir


def test_relative_under_work_dir_timestamp_absolute_as_given(tmp_path):
    runner = SimpleNamespace(work_dir=str(tmp_path / 'w'), timestamp='20261201_120000')
    assert visualization_dir(runner, 'pics') == str(tmp_path / 'w' / '20261201_120000' / 'pics')
    assert visualization_dir(runner, None) == str(tmp_path / 'w' / '20261201_120000' / 'vis')
    assert visualization_dir(runner, str(tmp_path / 'abs')) == str(tmp_path / 'abs')
