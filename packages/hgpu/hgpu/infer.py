"""HGPU on a user's own frames and optical-flow images: a binary object mask per frame.

    python tools/infer.py configs/hgpu/<config>.py CKPT INPUT [INPUT ...] --out-dir D \
        [--cfg-options model.test_cfg.crf=True]

HGPU reads two consecutive frames and the flow image between them (a colour-coded flow
picture, the official ``davis-flow`` layout: RAFT + the Middlebury colour wheel). An INPUT is:

* ``FRAME:NEXT_FRAME:FLOW`` -- one pair (any format OpenCV reads); or
* ``FRAMES_DIR:FLOWS_DIR`` -- a video: its n frames (sorted by name) and the n - 1 flow images
  of its consecutive pairs (sorted by name, as the official loader pairs them); another count
  is an error naming both folders.

Each pair goes through the config's test pipeline without the annotation step; the mask is the
first output (frame k) resized to the frame's size; with ``model.test_cfg.crf=True`` the
segmentor (:class:`hgpu.models.segmentor.HGPUSegmentor`) binarises it by the official dense CRF
(:func:`hgpu.crf.davis_crf`) instead of the 0.5 threshold; ``model.test_cfg.flip=True`` adds
the official flip test.

Per frame ``<stem>``: ``<stem>_mask.png`` (0 / 255), ``<stem>.png`` (the overlay of
:func:`hgpu.hooks.visualization.draw_sample`) and an entry of ``D/results.json``
(``mask_shape``, ``foreground``, ``sequence``, ``crf``).
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
from cvshared.engine.infer import CvsharedInferencer, stem

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


class FramePairInput(str):
    """``'FRAME:NEXT:FLOW'`` with the sequence it was found in, or None."""

    sequence: str | None = None

    def __new__(cls, frame: str, frame2: str, flow: str, sequence: str | None = None):
        self = super().__new__(cls, f'{frame}:{frame2}:{flow}')
        self.frame, self.frame2, self.flow, self.sequence = frame, frame2, flow, sequence
        return self


def _images(folder: str) -> list[str]:
    return [osp.join(folder, f) for f in sorted(os.listdir(folder))
            if f.lower().endswith(IMAGE_SUFFIXES)]


def video_pairs(frames_dir: str, flows_dir: str) -> list[tuple[str, str, str]]:
    """``[(frame k, frame k + 1, flow k)]`` of a video folder and its flow folder."""
    frames, flows = _images(frames_dir), _images(flows_dir)
    if len(frames) < 2:
        raise FileNotFoundError(f'{frames_dir!r}: {len(frames)} frame image(s); HGPU needs '
                                'at least two consecutive frames')
    if len(flows) != len(frames) - 1:
        raise ValueError(f'video {osp.basename(osp.normpath(frames_dir))!r}: {len(frames)} '
                         f'frames in {frames_dir!r} but {len(flows)} flow images in '
                         f'{flows_dir!r}; a video of n frames needs n - 1 flow images, one per '
                         'consecutive pair')
    return [(frames[k], frames[k + 1], flows[k]) for k in range(len(flows))]


class HGPUInferencer(CvsharedInferencer):
    """Binary masks of frame pairs (see the module docstring for the input forms)."""

    GROUND_TRUTH_STEPS = ('LoadFramePairAnnotations', 'LoadEvalFrameMask', 'LoadAnnotations')

    @property
    def crf(self) -> bool:
        return bool(self.cfg.model.get('test_cfg', {}).get('crf', False))

    def _inputs_to_list(self, inputs) -> list:
        if isinstance(inputs, (str, os.PathLike)):
            inputs = [inputs]
        items = []
        for given in map(str, inputs):
            parts = given.split(':')
            missing = [p for p in parts if not osp.exists(p)]
            if missing:
                raise FileNotFoundError(f'Input(s) not found: {", ".join(missing)} (in '
                                        f'{given!r}; expected FRAME:NEXT_FRAME:FLOW or '
                                        'FRAMES_DIR:FLOWS_DIR)')
            if len(parts) == 3 and not any(osp.isdir(p) for p in parts):
                items.append(FramePairInput(*parts))
            elif len(parts) == 2 and all(osp.isdir(p) for p in parts):
                seq = osp.basename(osp.normpath(parts[0]))
                items += [FramePairInput(a, b, f, seq) for a, b, f in video_pairs(*parts)]
            else:
                raise ValueError(f'{given!r}: give FRAME:NEXT_FRAME:FLOW (three images) or '
                                 'FRAMES_DIR:FLOWS_DIR (two folders); HGPU needs two frames '
                                 'and their flow image')
        return items

    def input_to_data(self, item) -> dict:
        if not isinstance(item, FramePairInput):
            item = FramePairInput(*str(item).split(':'))
        return dict(img_path=item.frame, img2_path=item.frame2, flow_path=item.flow,
                    seg_map_path=None, seg_map2_path=None, seq_name=item.sequence or 'user',
                    frame_index=0, frame_name=stem(item.frame), frame2_name=stem(item.frame2),
                    reduce_zero_label=False, seg_fields=[])

    def mask_of(self, item, pred) -> np.ndarray:
        # HGPUSegmentor already binarised it: the 0.5 threshold, or the CRF with
        # model.test_cfg.crf=True (on frame k, the image this item names first)
        return pred.pred_sem_seg.data[0].cpu().numpy() > 0

    def result_of(self, item, pred) -> dict:
        mask = self.mask_of(item, pred)
        return dict(mask_shape=list(mask.shape), foreground=float(mask.mean()),
                    sequence=getattr(item, 'sequence', None), crf=bool(self.crf))

    def save(self, item, pred, result, out_dir) -> list:
        import mmcv

        from .hooks.visualization import draw_sample
        folder = osp.join(out_dir, result.get('sequence') or '')
        os.makedirs(folder, exist_ok=True)
        mask = self.mask_of(item, pred)
        png = osp.join(folder, f'{stem(item.frame)}_mask.png')
        mmcv.imwrite(mask.astype(np.uint8) * 255, png)
        overlay = osp.join(folder, f'{stem(item.frame)}.png')
        frame = mmcv.imread(item.frame, channel_order='rgb')
        mmcv.imwrite(draw_sample(frame, mask)[..., ::-1], overlay)
        return [png, overlay]


INFERENCER = HGPUInferencer
