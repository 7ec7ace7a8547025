"""Normalisation of the 6-channel frame + flow input."""
from __future__ import annotations

from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.registry import MODELS


@MODELS.register_module()
class FrameFlowDataPreProcessor(SegDataPreProcessor):
    """``SegDataPreProcessor`` whose BGR -> RGB swap acts on each 3-channel image of the pair.

    mmseg's own swap only handles 3-channel inputs. ``mean`` / ``std`` take 6 values (the
    official code normalises both images with the ImageNet statistics).
    """

    def __init__(self, *args, bgr_to_rgb: bool = False, **kwargs):
        super().__init__(*args, bgr_to_rgb=False, **kwargs)
        self.pair_bgr_to_rgb = bgr_to_rgb

    @staticmethod
    def _swap(x):
        c = x.shape[-3]
        order = [i for start in range(0, c, 3) for i in (start + 2, start + 1, start)]
        return x[..., order, :, :]

    def forward(self, data: dict, training: bool = False):
        if self.pair_bgr_to_rgb:
            data = dict(data)
            inputs = data['inputs']
            data['inputs'] = (self._swap(inputs) if hasattr(inputs, 'shape')
                              else [self._swap(x) for x in inputs])
        return super().forward(data, training)
