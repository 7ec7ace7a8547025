"""Package ``hcpn``, on mmseg: Hierarchical Co-attention Propagation Network for zero-shot
video object segmentation (Pei et al., IEEE TIP 2023).

``import cvshared`` comes first: it applies the stack fixes before any OpenMMLab import. The
registering modules follow, so ``custom_imports = dict(imports=['hcpn'])`` in a config
registers everything. The blocks HCPN shares with HGPU (GCT, iAFF, co-attention, decoder
blocks, weighted BCE) and the frame-pair data live in ``cvshared.vos`` and
``cvshared.datasets.davis``.
"""
import cvshared  # noqa: F401  (stack fixes first)

# the shared frame-pair data set and transforms, and the DAVIS J & F metric, register on import
from cvshared.datasets import davis as _davis  # noqa: F401,E402
from cvshared.metrics import davis as _davis_metric  # noqa: F401,E402

from . import hooks, models, registry  # noqa: F401,E402

__version__ = '0.1.0'
