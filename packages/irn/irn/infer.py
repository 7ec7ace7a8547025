"""irn's inferencer for ``tools/infer.py CONFIG CKPT IMAGE... [--out-dir D]``: IRN's pseudo
labels of an image from the CAM net and IRNet checkpoints.

``CONFIG`` / ``CKPT`` are IRNet's (``configs/irn/irn-irnet_*``, the train_irn checkpoint); the
CAM net is the IRNet config's ``cam_config`` with its ``train_cam_checkpoint`` (the default
pipeline layout's train_cam checkpoint), or ``cam_config=`` / ``cam_checkpoint=``. Per
image: the multi-scale + flip CAMs (``step/make_cam.py``) of the classes whose image-level
score passes ``--threshold`` (default 0.5; a user's image has no label), the boundary /
displacement of IRNet, the semantic pseudo label (random walk,
``step/make_sem_seg_labels.py``) and the instance detections
(``step/make_ins_seg_labels.py``); with an output folder the picture of
:func:`irn.hooks.visualization.draw_sample` (``<stem>.png``) and the label PNG
(``<stem>_sem.png``). The base class (:class:`cvshared.engine.infer.CvsharedInferencer`) builds
IRNet from the config and loads its checkpoint safely and strictly."""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
import torch
from cvshared.engine.infer import CvsharedInferencer, stem

from .hooks.visualization import draw_sample


class IrnInferencer(CvsharedInferencer):
    """Images -> ``classes`` (0-based), ``sem_label`` (H x W class ids), ``instances``."""

    def __init__(self, config: str, checkpoint: str, device: str = 'cpu', strict: bool = True,
                 threshold: float | None = None, cfg_options: dict | None = None,
                 cam_config: str | None = None, cam_checkpoint: str | None = None,
                 scales=(1.0, 0.5, 1.5, 2.0)):
        from cvshared.engine.launch import load_config
        from cvshared.engine.reproduce import resolve_config

        from .pipeline import _trained_model
        super().__init__(config, checkpoint, device=device, strict=strict,
                         threshold=0.5 if threshold is None else threshold,
                         cfg_options=cfg_options)
        cfg = load_config(config, cfg_options, generate_synthetic=False)
        cam_config = cam_config or cfg.get('cam_config')
        cam_checkpoint = cam_checkpoint or cfg.get('train_cam_checkpoint')
        if not cam_config or not cam_checkpoint or not os.path.isfile(cam_checkpoint):
            raise FileNotFoundError(f'IrnInferencer: the CAM net checkpoint {cam_checkpoint!r} '
                                    f'(config {cam_config!r}, from cam_config / '
                                    'train_cam_checkpoint of the IRNet config) not found: run the '
                                    'train_cam stage first or pass cam_checkpoint=')
        self.cam_net = _trained_model(load_config(resolve_config(cam_config),
                                                  generate_synthetic=False), cam_checkpoint)
        self.scales = tuple(scales)

    def __call__(self, inputs, out_dir: str | None = None, batch_size: int = 1) -> dict:
        items = self._inputs_to_list(inputs)
        if out_dir:
            os.makedirs(out_dir, exist_ok=True)
        results = [dict(input=str(item), **self.infer_one(str(item), out_dir)) for item in items]
        return dict(config=self.config_path, checkpoint=self.checkpoint_path,
                    threshold=self.threshold, results=results)

    @torch.no_grad()
    def infer_one(self, path: str, out_dir: str | None = None) -> dict:
        from cvshared.wsss.cam import multiscale_cam

        from .labels import ins_seg_label, sem_seg_label
        from .pipeline import boundary_and_displacement, normalize, read_rgb
        img = read_rgb(path)
        x = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)
        scores = torch.sigmoid(self.cam_net.logits(normalize(x)[None]))[0]
        label = (scores >= self.threshold).float()
        cam = multiscale_cam(self.cam_net.cam, x, scales=self.scales, flip=True, variant='irn',
                             label=label, normalize=normalize)
        irn = self.model.eval()
        edge, disp = boundary_and_displacement(irn, img, irn.crop_size)
        size = img.shape[:2]
        sem, rw = sem_seg_label(cam['cam'], cam['keys'], edge, size)
        det = ins_seg_label(cam['cam'], cam['keys'], edge, disp, size)
        result = dict(classes=cam['keys'].tolist(), scores=[float(s) for s in scores],
                      sem_label=sem.astype(np.uint8).tolist(),
                      instances=[dict(class_id=int(c), score=float(s))
                                 for c, s in zip(det['class'], det['score'])])
        if out_dir is not None:
            from PIL import Image

            from .export import save_sem_label
            files = [osp.join(out_dir, f'{stem(path)}.png'),
                     save_sem_label(osp.join(out_dir, f'{stem(path)}_sem.png'), sem)]
            Image.fromarray(draw_sample(img, cam['cam'], sem, rw=rw, edge=edge, det=det)).save(
                files[0])
            result['files'] = files
        return result


INFERENCER = IrnInferencer
