"""HCPN on a user's own frames: the object mask (and contour map) of a frame, from the frame,
the next frame and the optical-flow image between them.

    python tools/infer.py configs/hcpn/<config>.py CKPT FRAME:NEXT_FRAME:FLOW [...] --out-dir D
                          [--threshold T]

The flow image is the colour-coded flow picture of the official release (RAFT, Middlebury
colour wheel; ``davis-flow/<seq>/<k>_<k+1>.png``); the three images must have one size. Each
input goes through the config's test pipeline without the annotation step (``LoadFramePair``,
the config's resize), and the prediction is resized back to the frame's size.

Per input, with ``--out-dir``: ``<stem>_mask.png`` (0 / 255 at the frame's size),
``<stem>.png`` (:func:`hcpn.hooks.visualization.draw_sample`: the mask in red, the contour
map > 0.5 in yellow) and an entry of ``D/results.json``: ``mask_shape``, ``foreground`` (the
fraction of object pixels) and ``threshold``. Without ``--threshold`` the mask is the model's
``pred_sem_seg`` (probability > 0.5, or the dense CRF with ``model.crf=True``); with it,
probability > T.
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
from cvshared.engine.infer import CvsharedInferencer, stem


class HCPNInferencer(CvsharedInferencer):
    """Masks of ``FRAME:NEXT_FRAME:FLOW`` triples."""

    #: transforms of the config's test pipeline that need ground truth (dropped)
    GROUND_TRUTH_STEPS = ('LoadFramePairAnnotations', 'LoadAnnotations')

    def _inputs_to_list(self, inputs) -> list:
        if isinstance(inputs, (str, os.PathLike)):
            inputs = [inputs]
        items = []
        for given in map(str, inputs):
            parts = given.split(':')
            if len(parts) != 3:
                raise ValueError(f'{given!r}: HCPN needs FRAME:NEXT_FRAME:FLOW (the frame, the '
                                 'next frame and the flow image between them)')
            missing = [p for p in parts if not osp.isfile(p)]
            if missing:
                raise FileNotFoundError(f'Input(s) not found: {", ".join(missing)} (in '
                                        f'{given!r})')
            items.append(given)
        return items

    def input_to_data(self, item) -> dict:
        frame, frame2, flow = str(item).split(':')
        return dict(img_path=frame, img2_path=frame2, flow_path=flow, seq_name='user',
                    frame_index=0, frame_name=stem(frame), frame2_name=stem(frame2),
                    reduce_zero_label=False, seg_fields=[])

    def mask_of(self, pred) -> np.ndarray:
        if self.threshold is None:
            return pred.pred_sem_seg.data[0].cpu().numpy() > 0
        return (pred.seg_logits.data[1] > self.threshold).cpu().numpy()

    def result_of(self, item, pred) -> dict:
        mask = self.mask_of(pred)
        return dict(mask_shape=list(mask.shape), foreground=float(mask.mean()),
                    threshold=self.threshold)

    def save(self, item, pred, result, out_dir) -> list:
        import mmcv

        from .hooks.visualization import draw_sample
        frame_path = str(item).split(':')[0]
        mask = self.mask_of(pred)
        png = osp.join(out_dir, f'{stem(frame_path)}_mask.png')
        mmcv.imwrite(mask.astype(np.uint8) * 255, png)
        contour = pred.pred_contour.data[0].cpu().numpy() if 'pred_contour' in pred else None
        overlay = osp.join(out_dir, f'{stem(frame_path)}.png')
        mmcv.imwrite(draw_sample(mmcv.imread(frame_path), mask, contour), overlay)
        return [png, overlay]


INFERENCER = HCPNInferencer
