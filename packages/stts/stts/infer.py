"""STTS on a user's own videos: top-k class scores and a picture of the kept frames / tokens.

    python tools/infer.py configs/stts/<config>.py CKPT INPUT [INPUT ...] --out-dir D

An INPUT is a video file (any container the config's decoder reads: decord handles .mp4,
.webm, .avi, .mkv ...) or a folder of frame images (.jpg / .png ..., in file-name order). The
clip is sampled and transformed exactly as the config's test pipeline does (``SampleFrames`` in
test mode, resize / crop, ``FormatShape``); for a frame folder only the video opening and
decoding steps (``*DecordInit`` / ``DecordDecode``, ``PyAVInit`` / ``PyAVDecode``, ``OpenCVInit``
/ ``OpenCVDecode``) are replaced by reading the sampled frames from the folder (as RGB, as
decord gives them). The scores are the model's own ``pred_score`` (``Recognizer3D.test_step``:
the class scores averaged over the test views as ``average_clips`` says, e.g. softmax
probabilities with ``'prob'``).

Per input ``<stem>``: ``D/<stem>_scores.json`` (the ``topk`` best classes, best first, each
``{label, name, score}``; ``name`` comes from the config, the visualization hook's
``class_names`` or the test dataset's ``metainfo.classes``, else it is the label number as a
string), ``D/<stem>.png`` (``stts.hooks.visualization.draw_sample``: the first test view's
frames, the temporally kept ones framed in green, the dropped ones and the tokens outside the
kept spatial window dimmed, the best class on top) and an entry of ``D/results.json``.
``--threshold T`` adds ``above_threshold``: the classes whose score exceeds T.
"""
from __future__ import annotations

import json
import os
import os.path as osp

import numpy as np
from cvshared.engine.infer import CvsharedInferencer, stem

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
#: video opening / decoding steps of a test pipeline, replaced for a folder of frames
INIT_STEPS = ('DecordInit', 'STTSDecordInit', 'PyAVInit', 'OpenCVInit')
DECODE_STEPS = ('DecordDecode', 'PyAVDecode', 'OpenCVDecode')


def frame_files(folder: str) -> list[str]:
    files = [osp.join(folder, f) for f in sorted(os.listdir(folder))
             if f.lower().endswith(IMAGE_SUFFIXES)]
    if not files:
        raise FileNotFoundError(f'no frame images ({", ".join(IMAGE_SUFFIXES)}) in {folder!r}: '
                                'give a video file or a folder of frames')
    return files


class FrameFolderInit:
    """The ``DecordInit`` of a frame folder: ``total_frames`` = the number of images."""

    def __call__(self, results: dict) -> dict:
        results['frame_files'] = frame_files(results['frame_dir'])
        results['total_frames'] = len(results['frame_files'])
        results.setdefault('start_index', 0)
        return results


class FrameFolderDecode:
    """The ``DecordDecode`` of a frame folder: the sampled frames as RGB ``H x W x 3`` arrays."""

    def __call__(self, results: dict) -> dict:
        import mmcv
        inds = np.asarray(results['frame_inds']).reshape(-1)
        files = results.pop('frame_files')
        imgs = []
        for i in inds:
            img = mmcv.imread(files[int(i)], channel_order='rgb')
            if img is None:
                raise OSError(f'cannot read frame {files[int(i)]}')
            if imgs and img.shape != imgs[0].shape:
                raise ValueError(f'frame {files[int(i)]} is {img.shape[:2]} but the first '
                                 f'sampled frame is {imgs[0].shape[:2]}: frames of one clip '
                                 'must have one size')
            imgs.append(img)
        results['imgs'] = imgs
        results['original_shape'] = imgs[0].shape[:2]
        results['img_shape'] = imgs[0].shape[:2]
        return results


class STTSInferencer(CvsharedInferencer):
    """Class scores of videos or frame folders (see the module docstring)."""

    topk = 5

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.class_names = self._class_names(self.cfg)

    @staticmethod
    def _class_names(cfg) -> list[str] | None:
        vis = (cfg.get('default_hooks') or {}).get('visualization') or {}
        names = vis.get('class_names')
        if not names:
            meta = cfg.test_dataloader.dataset.get('metainfo') or {}
            names = meta.get('classes')
        return [str(n) for n in names] if names else None

    # -- data -----------------------------------------------------------------------------
    def _init_pipeline(self, cfg):
        from mmengine.dataset import Compose
        from mmengine.registry import TRANSFORMS

        steps = self.test_pipeline(cfg)
        folder_steps = []
        for step in steps:
            kind = step.get('type') if isinstance(step, dict) else None
            if kind in INIT_STEPS:
                folder_steps.append(FrameFolderInit())
            elif kind in DECODE_STEPS:
                folder_steps.append(FrameFolderDecode())
            else:
                folder_steps.append(step)
        with TRANSFORMS.switch_scope_and_registry(self.scope):
            video, folder = Compose(steps), Compose(folder_steps)
        return lambda item: (folder if osp.isdir(str(item)) else video)(self.input_to_data(item))

    def input_to_data(self, item) -> dict:
        item = str(item)
        if osp.isdir(item):
            return dict(frame_dir=item, filename=item, start_index=0, modality='RGB')
        return dict(filename=item, start_index=0, modality='RGB')

    # -- model ----------------------------------------------------------------------------
    def forward(self, inputs, **kwargs):
        """``test_step``, and per prediction the first view's frames and what was kept."""
        from .hooks.visualization import selection_of

        preds = super().forward(inputs, **kwargs)
        model = self.model.module if hasattr(self.model, 'module') else self.model
        selection = getattr(model.backbone, 'last_selection', None)
        for i, (clip, pred) in enumerate(zip(inputs['inputs'], preds)):
            views = clip.shape[0]
            frames = clip[0].permute(1, 2, 3, 0).cpu().numpy()  # (T, H, W, C), first view
            frames = np.clip(frames, 0, 255).astype(np.uint8)
            kept, boxes = (list(range(frames.shape[0])), None) if selection is None \
                else selection_of(selection, i * views, frames.shape[0])
            pred.set_metainfo(dict(infer_frames=frames, infer_kept=kept, infer_boxes=boxes,
                                   infer_views=views))
        return preds

    # -- results --------------------------------------------------------------------------
    def name_of(self, label: int) -> str:
        names = self.class_names
        return names[label] if names and label < len(names) else str(label)

    def result_of(self, item, pred) -> dict:
        import torch
        scores = pred.pred_score.detach().float().cpu()
        k = min(self.topk, scores.numel())
        values, labels = torch.topk(scores, k)
        top = [dict(label=int(j), name=self.name_of(int(j)), score=float(v))
               for v, j in zip(values, labels)]
        result = dict(pred_label=top[0]['label'], pred_name=top[0]['name'], topk=top,
                      num_classes=int(scores.numel()), score_sum=float(scores.sum()),
                      views=int(pred.metainfo['infer_views']),
                      kept_frames=[int(f) for f in pred.metainfo['infer_kept']])
        if self.threshold is not None:
            above = torch.nonzero(scores > self.threshold).flatten().tolist()
            result['above_threshold'] = [dict(label=int(j), name=self.name_of(int(j)),
                                              score=float(scores[j])) for j in above]
        return result

    def save(self, item, pred, result, out_dir) -> list:
        import cv2

        from .hooks.visualization import draw_sample

        name = stem(osp.normpath(str(item)))
        scores = osp.join(out_dir, f'{name}_scores.json')
        with open(scores, 'w') as f:
            json.dump(result, f, indent=2)
        meta = pred.metainfo
        picture = draw_sample(meta['infer_frames'], meta['infer_kept'], meta['infer_boxes'],
                              result['pred_name'], result['topk'][0]['score'])
        png = osp.join(out_dir, f'{name}.png')
        cv2.imwrite(png, np.ascontiguousarray(picture[..., ::-1]))  # RGB -> BGR file
        return [scores, png]


INFERENCER = STTSInferencer
