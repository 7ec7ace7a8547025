"""Pictures of what STTS kept: a strip of the clip's frames, the temporally selected ones bright
and framed, the dropped ones dimmed; inside a kept frame the spatial anchor (kept tokens) bright
and the dropped tokens dimmed; the predicted class on top.

:func:`draw_sample` is the pure drawing (also used by ``tools/infer.py``);
:class:`STTSVisualizationHook` (``default_hooks.visualization``) calls it after each test batch
when ``draw`` is on (``tools/test.py --show-dir DIR`` switches it on).
"""
from __future__ import annotations

import os
import os.path as osp
from collections.abc import Sequence

import cv2
import numpy as np
from cvshared.hooks import visualization_dir
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

DIM = 0.3  # brightness of dropped frames / tokens
KEPT = (40, 220, 40)  # RGB frame of a temporally kept frame
BAND = 18  # height of the text band in pixels


def kept_frames(slices: Sequence[int], frames_per_slice: int, num_frames: int) -> list[int]:
    """Frame indices covered by the kept temporal token slices."""
    out = []
    for s in slices:
        out.extend(f for f in range(s * frames_per_slice, (s + 1) * frames_per_slice)
                   if f < num_frames)
    return out


def draw_sample(frames: np.ndarray, kept: Sequence[int], boxes: dict | None = None,
                label: str = '', score: float | None = None, border: int = 2) -> np.ndarray:
    """Draw one clip and what the selection kept.

    Args:
        frames: ``(T, H, W, 3)`` uint8 RGB frames of the clip (as decoded, before normalisation).
        kept: indices of the frames whose token slices were kept.
        boxes: optional ``{frame index: (y0, x0, y1, x1)}`` kept spatial window of a kept frame,
            as fractions of the frame; tokens outside it are drawn dimmed.
        label, score: the predicted class name and its score, written above the strip.
        border: width of the frame drawn around temporally kept frames.

    Returns an ``(BAND + H + 2 border, T (W + 2 border), 3)`` uint8 RGB picture. Kept frames are
    the original pixels (inside their window when a box is given), dropped ones are ``DIM`` x
    the original; kept frames have a green border.
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f'frames must be (T, H, W, 3) RGB; got {frames.shape}.')
    t, h, w, _ = frames.shape
    kept = set(int(k) for k in kept)
    bad = [k for k in kept if not 0 <= k < t]
    if bad:
        raise ValueError(f'kept frames {bad} are outside the clip of {t} frames.')
    cw, ch = w + 2 * border, h + 2 * border
    canvas = np.zeros((BAND + ch, t * cw, 3), np.uint8)
    for i in range(t):
        f = frames[i].astype(np.float32)
        if i in kept:
            out = f.copy()
            if boxes and i in boxes:
                y0, x0, y1, x1 = boxes[i]
                r0, r1 = int(round(y0 * h)), int(round(y1 * h))
                c0, c1 = int(round(x0 * w)), int(round(x1 * w))
                mask = np.zeros((h, w), bool)
                mask[r0:r1, c0:c1] = True
                out[~mask] *= DIM
            colour = KEPT
        else:
            out = f * DIM
            colour = (0, 0, 0)
        x = i * cw
        canvas[BAND:, x:x + cw] = colour
        canvas[BAND + border:BAND + border + h, x + border:x + border + w] = \
            np.clip(out, 0, 255).astype(np.uint8)
    text = label if score is None else f'{label} {score:.2f}'
    text += f'  kept {len(kept)}/{t} frames'
    cv2.putText(canvas, text, (2, BAND - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1,
                cv2.LINE_AA)
    return canvas


def selection_of(selection: dict, row: int, num_frames: int) -> tuple[list[int], dict | None]:
    """Kept frames and per-frame boxes of one view from a backbone's ``last_selection``."""
    slices = selection['slices'][row].tolist()
    fps = selection['frames_per_slice']
    kept = kept_frames(slices, fps, num_frames)
    boxes = None
    if selection.get('boxes') is not None:
        boxes = {}
        for j, s in enumerate(slices):
            box = tuple(selection['boxes'][row, j].tolist())
            for f in kept_frames([s], fps, num_frames):
                boxes[f] = box
    return kept, boxes


@HOOKS.register_module()
class STTSVisualizationHook(Hook):
    """Save :func:`draw_sample` pictures of the test clips (first view of each video).

    Args:
        draw: draw at all (``tools/test.py --show-dir`` switches it on).
        test_out_dir: output folder; a relative path is under ``work_dir/<timestamp>``.
        interval: draw every n-th test batch.
        class_names: names for the predicted labels (default: the dataset's ``classes``
            metainfo, else the label number).
    """

    priority = 'NORMAL'

    def __init__(self, draw: bool = False, test_out_dir: str | None = None, interval: int = 1,
                 class_names: Sequence[str] | None = None):
        self.draw = draw
        self.test_out_dir = test_out_dir or 'vis'
        self.interval = interval
        self.class_names = list(class_names) if class_names else None

    def _out_dir(self, runner) -> str:
        return visualization_dir(runner, self.test_out_dir)

    def _names(self, runner):
        if self.class_names is None:
            try:
                meta = runner.test_dataloader.dataset.metainfo or {}
                self.class_names = list(meta.get('classes') or []) or None
            except Exception:  # noqa: BLE001  (names are optional)
                self.class_names = None
        return self.class_names

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not self.draw or not outputs or not self.every_n_inner_iters(batch_idx, self.interval):
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        selection = getattr(model.backbone, 'last_selection', None)
        if selection is None:
            raise RuntimeError('STTSVisualizationHook needs an STTS backbone '
                               '(STTSSwinTransformer3D or STTSMViT) that records its '
                               'selection in eval mode.')
        out_dir = self._out_dir(runner)
        os.makedirs(out_dir, exist_ok=True)
        names = self._names(runner)
        for i, (inp, sample) in enumerate(zip(data_batch['inputs'], outputs)):
            views = inp.shape[0]
            clip = inp[0].permute(1, 2, 3, 0).cpu().numpy()  # (T, H, W, C) of the first view
            clip = np.clip(clip, 0, 255).astype(np.uint8)
            kept, boxes = selection_of(selection, i * views, clip.shape[0])
            score = sample.pred_score
            label = int(score.argmax())
            name = names[label] if names and label < len(names) else str(label)
            img = draw_sample(clip, kept, boxes, name, float(score[label]))
            stem = osp.splitext(osp.basename(sample.metainfo.get('filename', '') or ''))[0]
            stem = stem or f'{batch_idx:05d}_{i:02d}'
            cv2.imwrite(osp.join(out_dir, f'{batch_idx:05d}_{i:02d}_{stem}.png'), img[..., ::-1])
