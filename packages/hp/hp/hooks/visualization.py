"""HP's pictures: the shared unsupervised-segmentation ones
(:mod:`cvshared.useg.visualization`): image | clusters | clusters matched to the classes over
the whole test set | linear probe | ground truth. ``tools/test.py --show-dir D`` switches the
hook's drawing on."""
from __future__ import annotations

from cvshared.useg.visualization import USegVisualizationHook, draw_useg

from ..registry import HOOKS

__all__ = ['HPVisualizationHook', 'draw_sample']


def draw_sample(image, cluster, gt=None, assignment=None, linear=None,
                num_classes: int | None = None):
    """One picture (``H x W x 3`` uint8): :func:`cvshared.useg.visualization.draw_useg`.

    Args:
        image: ``H x W x 3`` uint8 RGB (the crop the model saw).
        cluster: ``H x W`` cluster-probe ids; ``linear``: linear-probe class ids;
        gt: ``H x W`` class ids (255 ignore); assignment: class of each cluster (-1 none).
    """
    return draw_useg(image, cluster, gt=gt, assignment=assignment, linear=linear,
                     num_classes=num_classes)


@HOOKS.register_module()
class HPVisualizationHook(USegVisualizationHook):
    """:class:`cvshared.useg.visualization.USegVisualizationHook` under hp's name (same
    arguments: ``draw``, ``test_out_dir``, ``interval``, ``max_samples``, ``num_classes``,
    ``num_clusters``)."""

    def __init__(self, draw: bool = False, test_out_dir: str | None = None, interval: int = 1,
                 max_samples: int = 16, num_classes: int | None = None,
                 num_clusters: int | None = None):
        super().__init__(draw=draw, test_out_dir=test_out_dir, interval=interval,
                         max_samples=max_samples, num_classes=num_classes,
                         num_clusters=num_clusters)
