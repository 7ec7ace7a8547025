"""HFAN on a user's own frames and optical-flow images: a binary object mask per frame.

    python tools/infer.py configs/hfan/<config>.py CKPT INPUT [INPUT ...] --out-dir D
                          [--threshold T]

HFAN reads each frame together with its optical-flow image (a colour-coded flow picture of the
same size, the ``FlowImages`` layout of the benchmark: RAFT + the Middlebury colour wheel,
``cvshared.datasets.davis_synthetic.flow_to_image``). An INPUT is one of:

* ``FRAME:FLOW`` -- a frame image and its flow image (any format OpenCV reads);
* ``FRAMES_DIR:FLOWS_DIR`` -- a folder of frames and the folder of their flow images: every
  frame is paired with the flow image of the same stem (any image suffix), e.g.
  ``data/DAVIS/JPEGImages/480p/bear:data/DAVIS/FlowImages/480p/bear``;
* ``SEQUENCE_DIR`` -- a DAVIS-layout sequence folder ``<root>/JPEGImages/<res>/<seq>`` (or
  ``<root>/JPEGImages/<seq>``); its flow folder is the same path with ``JPEGImages`` replaced
  by ``FlowImages``.

Each frame goes through the config's test pipeline without the mask loading step (a user's
frames have no annotation): ``LoadFrameAndFlow`` stacks frame and flow (``H x W x 6``), the
config's resize runs on both together, and the prediction is resized back to the frame's size.

Per frame ``<stem>`` (under ``D/<sequence>/`` for frames found through a folder):
``<stem>_mask.png`` (the binary mask at the frame's size, 0 = background, 255 = object),
``<stem>.png`` (the overlay of ``hfan.hooks.visualization.draw_sample``: the mask in red on the
frame, the flow image on the right) and an entry of ``D/results.json``: ``mask_shape`` (H, W),
``foreground`` (the fraction of object pixels), ``sequence`` and ``threshold``. Without
``--threshold`` the mask is the argmax of the two classes (the model's own ``pred_sem_seg``);
with it, object = softmax probability of the object class > T.
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
import torch
from cvshared.engine.infer import CvsharedInferencer, stem

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


class FramePair(str):
    """``'FRAME:FLOW'`` with the sequence (folder name) it was found in, or None."""

    sequence: str | None = None

    def __new__(cls, frame: str, flow: str, sequence: str | None = None):
        self = super().__new__(cls, f'{frame}:{flow}')
        self.frame, self.flow, self.sequence = frame, flow, sequence
        return self


def _images(folder: str) -> dict[str, str]:
    """{stem: path} of the images directly in ``folder``."""
    return {osp.splitext(f)[0]: osp.join(folder, f) for f in sorted(os.listdir(folder))
            if f.lower().endswith(IMAGE_SUFFIXES)}


def flow_dir_of(sequence_dir: str) -> str:
    """The flow folder of a DAVIS-layout sequence folder (``JPEGImages`` -> ``FlowImages``)."""
    parts = osp.normpath(osp.abspath(sequence_dir)).split(os.sep)
    if 'JPEGImages' not in parts:
        raise ValueError(f'{sequence_dir!r} is not a DAVIS-layout sequence folder '
                         '(<root>/JPEGImages/<res>/<seq>): give FRAMES_DIR:FLOWS_DIR or '
                         'FRAME:FLOW pairs instead.')
    i = len(parts) - 1 - parts[::-1].index('JPEGImages')
    parts[i] = 'FlowImages'
    return os.sep.join(parts)


def pair_folder(frames_dir: str, flows_dir: str) -> list[tuple[str, str]]:
    """``[(frame, flow)]`` of two folders, matched by stem; a frame without flow is an error."""
    if not osp.isdir(flows_dir):
        raise FileNotFoundError(f'flow folder {flows_dir!r} (of the frames in {frames_dir!r}) '
                                'not found: every frame needs a flow image of the same name.')
    frames, flows = _images(frames_dir), _images(flows_dir)
    if not frames:
        raise FileNotFoundError(f'no frame images ({", ".join(IMAGE_SUFFIXES)}) in '
                                f'{frames_dir!r}')
    lacking = [s for s in frames if s not in flows]
    if lacking:
        raise FileNotFoundError(
            f'{len(lacking)} frame(s) of {frames_dir!r} have no flow image in {flows_dir!r} '
            f'(first: {lacking[:3]}); every frame needs a flow image of the same stem.')
    return [(frames[s], flows[s]) for s in frames]


class HFANInferencer(CvsharedInferencer):
    """Binary masks of frame + flow pairs (see the module docstring for the input forms)."""

    #: transforms of the config's test pipeline that need ground truth (dropped)
    GROUND_TRUTH_STEPS = ('LoadBinaryMask', 'LoadAnnotations')

    # -- inputs ---------------------------------------------------------------------------
    def _inputs_to_list(self, inputs) -> list:
        if isinstance(inputs, (str, os.PathLike)):
            inputs = [inputs]
        items, outputs = [], {}
        for given in map(str, inputs):
            if ':' in given:
                first, second = given.split(':', 1)
                missing = [p for p in (first, second) if not osp.exists(p)]
                if missing:
                    raise FileNotFoundError(f'Input(s) not found: {", ".join(missing)} (in '
                                            f'{given!r}; expected FRAME:FLOW or '
                                            'FRAMES_DIR:FLOWS_DIR)')
                if osp.isdir(first) != osp.isdir(second):
                    raise ValueError(f'{given!r}: give two image files (FRAME:FLOW) or two '
                                     'folders (FRAMES_DIR:FLOWS_DIR)')
                pairs = (pair_folder(first, second) if osp.isdir(first)
                         else [(first, second)])
                seq = osp.basename(osp.normpath(first)) if osp.isdir(first) else None
            elif osp.isdir(given):
                pairs, seq = pair_folder(given, flow_dir_of(given)), \
                    osp.basename(osp.normpath(given))
            elif osp.exists(given):
                raise ValueError(f'{given!r} is a single image: HFAN needs its optical-flow '
                                 'image too, give FRAME:FLOW (see hfan/infer.py)')
            else:
                raise FileNotFoundError(f'Input(s) not found: {given}')
            for frame, flow in pairs:
                item = FramePair(frame, flow, seq)
                out = osp.join(seq or '', stem(frame))
                if out in outputs:
                    raise ValueError(f'{outputs[out]!r} and {item!r} would write the same files '
                                     f'({out}_mask.png): run them separately')
                outputs[out] = item
                items.append(item)
        return items

    def input_to_data(self, item) -> dict:
        if not isinstance(item, FramePair):
            item = FramePair(*str(item).split(':', 1))
        return dict(img_path=item.frame, flow_path=item.flow, seg_map_path=None,
                    seq_name=item.sequence or 'user',
                    frame_index=0, reduce_zero_label=False, seg_fields=[])

    # -- results --------------------------------------------------------------------------
    def mask_of(self, pred) -> np.ndarray:
        """``H x W`` bool object mask of one prediction (argmax, or probability > threshold)."""
        if self.threshold is None:
            return pred.pred_sem_seg.data[0].cpu().numpy() > 0
        logits = pred.seg_logits.data.float()
        prob = torch.softmax(logits, dim=0)[1] if logits.shape[0] > 1 else logits[0]
        return (prob > self.threshold).cpu().numpy()

    def result_of(self, item, pred) -> dict:
        mask = self.mask_of(pred)
        return dict(mask_shape=list(mask.shape), foreground=float(mask.mean()),
                    threshold=self.threshold,
                    sequence=getattr(item, 'sequence', None))

    def save(self, item, pred, result, out_dir) -> list:
        import mmcv

        from .hooks.visualization import draw_sample

        frame_path, flow_path = str(item).split(':', 1)
        folder = osp.join(out_dir, result.get('sequence') or '')
        os.makedirs(folder, exist_ok=True)
        mask = self.mask_of(pred)
        png = osp.join(folder, f'{stem(frame_path)}_mask.png')
        mmcv.imwrite(mask.astype(np.uint8) * 255, png)
        frame, flow = mmcv.imread(frame_path), mmcv.imread(flow_path)
        overlay = osp.join(folder, f'{stem(frame_path)}.png')
        mmcv.imwrite(draw_sample(frame, mask, flow_bgr=flow), overlay)
        return [png, overlay]


INFERENCER = HFANInferencer
