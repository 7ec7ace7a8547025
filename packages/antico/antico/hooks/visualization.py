"""AntiCo's test-time pictures: the cosine similarities between the learned proxies (the
collapse AntiCo fights shows as bright off-diagonal blocks; orthogonal proxies leave a dark
matrix with a bright diagonal), and retrieval grids of the test set (the shared
``cvshared.retrieval.draw``). ``draw_sample`` is the pure drawing of the proxy picture;
:class:`AnticoVisualizationHook` (``default_hooks.visualization``; ``tools/test.py --show-dir``
switches it on) writes both after the test epoch."""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
import torch
from cvshared.hooks import SampleVisualizationHook, visualization_dir
from cvshared.retrieval.draw import save_retrieval_grids
from PIL import Image

from ..registry import HOOKS


def draw_sample(proxies, cell: int = 4, max_classes: int = 128) -> np.ndarray:
    """``|cos|`` between the first ``max_classes`` L2-normalised proxies as a grey-level picture
    (black 0, white 1), each entry a ``cell x cell`` square. ``proxies``: ``(C, D)``."""
    p = torch.as_tensor(np.asarray(proxies), dtype=torch.float32)
    if p.dim() != 2 or p.shape[0] < 1:
        raise ValueError(f'draw_sample: proxies must be (C, D), got {tuple(p.shape)}')
    p = torch.nn.functional.normalize(p[:max_classes], dim=1)
    sim = (p @ p.T).abs().clamp(0, 1).numpy()
    image = np.round(255 * sim).astype(np.uint8)
    image = np.kron(image, np.ones((cell, cell), np.uint8))
    return np.repeat(image[..., None], 3, axis=2)


@HOOKS.register_module()
class AnticoVisualizationHook(SampleVisualizationHook):
    """When ``draw``: ``proxy_similarity.png`` (if the model's head owns proxies) and
    ``num_queries`` retrieval grids (top-``topk``) under
    ``<work_dir>/<timestamp>/<test_out_dir>/``."""

    def __init__(self, draw: bool = False, test_out_dir: str | None = None, interval: int = 1,
                 topk: int = 5, num_queries: int = 8):
        super().__init__(draw=draw, test_out_dir=test_out_dir, interval=interval)
        self.topk, self.num_queries = int(topk), int(num_queries)
        self._records: list = []

    def before_test_epoch(self, runner) -> None:
        self._records = []

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not self.draw or self.test_out_dir is None:
            return
        for sample in outputs:
            label = int(torch.as_tensor(sample.get('gt_label')).view(-1)[0])
            self._records.append((sample.get('embedding').detach().cpu().numpy(), label,
                                  sample.get('img_path')))

    def after_test_epoch(self, runner, metrics=None) -> None:
        if not self.draw or self.test_out_dir is None:
            return
        out_dir = visualization_dir(runner, self.test_out_dir)
        os.makedirs(out_dir, exist_ok=True)
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        proxies = getattr(getattr(model, 'head', None), 'proxies', None)
        if proxies is not None:
            Image.fromarray(draw_sample(proxies.detach().cpu())).save(
                osp.join(out_dir, 'proxy_similarity.png'))
        if self._records:
            save_retrieval_grids(np.stack([r[0] for r in self._records]),
                                 [r[1] for r in self._records], [r[2] for r in self._records],
                                 out_dir, num_queries=self.num_queries, k=self.topk)
        self._records = []
