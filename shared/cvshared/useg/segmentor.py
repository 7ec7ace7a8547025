"""The STEGO-protocol segmentor every unsupervised semantic segmentation paper shares (HP, PPAP).

A paper subclasses :class:`USegSegmentor` and writes two methods:

* ``code(img) -> [B, C, h, w]``: the segmentation code at patch resolution (evaluation);
* ``head_loss(img, data_samples) -> (losses, code)``: the paper's training losses (a dict of
  ``loss_*`` tensors) and the code of that forward, which the probes then read detached.

The base holds the frozen backbone (any ``MODELS`` config; :class:`cvshared.useg.dino.DinoViT`
in the papers), STEGO's linear and cluster probes (:mod:`cvshared.useg.probes`) and the official
evaluation (``eval`` of ``run.py`` in HP and PPAP):

1. ``code`` upsampled to the label size (bilinear, ``align_corners=False``);
2. without CRF: linear prediction ``argmax linear_probe(code)``, cluster prediction
   ``argmax_k cos(code, c_k)``; with CRF (``crf=True``): the dense CRF of STEGO
   (:func:`cvshared.wsss.crf.crf_from_logits`, 10 iterations) on ``log_softmax`` of the linear
   logits and on the cluster probe's ``log_softmax(alpha cos)`` (``alpha = 2``), then argmax;
3. each output ``SegDataSample`` gets ``pred_sem_seg`` (the cluster prediction: the
   unsupervised result, scored with Hungarian matching) and ``linear_pred_sem_seg`` (scored
   without matching): ``UnsupervisedSegMetric(pred_key=...)`` reads either.

Training (:meth:`train_step`): with an ``OptimWrapperDict`` (the official's separate
optimisers, :class:`cvshared.engine.optim.SubmoduleOptimWrapperConstructor`) one backward of the
summed losses, then every optimiser steps; with a single ``OptimWrapper``, mmengine's default.
The probe losses (``loss_linear``, ``loss_cluster``: :func:`linear_probe_loss` and the cluster
probe with ``alpha=None``) are added to the paper's losses as the official adds them; they
never reach the network (detached code). The images are the data preprocessor's output: in the
papers, RGB normalised with the ImageNet mean / std on the 0..255 scale, which is the
normalised input the official CRF un-normalises.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict
from mmengine.registry import MODELS
from mmengine.structures import PixelData
from torch import Tensor

from ..engine.optim import step_all
from . import dino  # noqa: F401  (registers DinoViT, the papers' backbone)
from .probes import ClusterProbe, LinearProbe, linear_probe_loss

__all__ = ['USegSegmentor', 'stack_labels']


def stack_labels(data_samples) -> Tensor:
    """``[B, H, W]`` long labels of ``SegDataSample.gt_sem_seg`` (255 = ignore)."""
    if not data_samples or 'gt_sem_seg' not in data_samples[0]:
        raise ValueError('training needs gt_sem_seg in the data samples (only the probes read '
                         'it): add LoadUSegAnnotation to the training pipeline')
    return torch.stack([s.gt_sem_seg.data[0] for s in data_samples]).long()


class USegSegmentor(BaseModel):
    """Args:
        backbone: config of the frozen feature extractor (or a module).
        num_classes: classes of the benchmark (27, 27, 3).
        code_dim: channels of the code the probes read.
        extra_clusters: cluster-probe outputs beyond ``num_classes`` (official 0).
        crf: evaluate with the dense CRF (the papers' reported setting).
        cluster_alpha: the cluster probe's softmax scale under CRF (official 2).
        data_preprocessor: e.g. ``mmseg.SegDataPreProcessor`` with the ImageNet mean / std
            and ``bgr_to_rgb=False`` (the loaders give RGB).
        pretrained: path of the backbone's official weights, loaded (strict) by its
            ``load_weights`` here, before a subclass builds anything from the backbone (PPAP
            copies its last block); ``None``: the backbone as built. The project's configs name
            weights ``pretrained`` (``cvshared.engine.launch.drop_pretrained`` clears it).
    """

    def __init__(self, backbone, num_classes: int, code_dim: int, extra_clusters: int = 0,
                 crf: bool = False, cluster_alpha: float = 2.0, pretrained: str | None = None,
                 data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone) if isinstance(backbone, dict) else backbone
        if pretrained is not None:
            if not hasattr(self.backbone, 'load_weights'):
                raise TypeError(f'{type(self).__name__}: pretrained= needs a backbone with '
                                f'load_weights (DinoViT), got {type(self.backbone).__name__}')
            self.backbone.load_weights(pretrained)
        self.num_classes = num_classes
        self.crf = crf
        self.cluster_alpha = cluster_alpha
        self.linear_probe = LinearProbe(code_dim, num_classes)
        self.cluster_probe = ClusterProbe(code_dim, num_classes + extra_clusters)

    # -- the paper's part ---------------------------------------------------------------------
    def code(self, img: Tensor) -> Tensor:
        raise NotImplementedError

    def head_loss(self, img: Tensor, data_samples) -> tuple[dict, Tensor]:
        raise NotImplementedError

    # -- mmengine's interface -----------------------------------------------------------------
    def forward(self, inputs: Tensor, data_samples=None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.code(inputs)
        raise ValueError(f'{type(self).__name__}: unknown mode {mode!r}')

    def probe_losses(self, code: Tensor, label: Tensor) -> dict:
        code = code.detach()
        return dict(loss_linear=linear_probe_loss(self.linear_probe(code), label),
                    loss_cluster=self.cluster_probe(code, None)[0])

    def loss(self, inputs: Tensor, data_samples) -> dict:
        label = stack_labels(data_samples).to(inputs.device)
        losses, code = self.head_loss(inputs, data_samples)
        overlap = set(losses) & {'loss_linear', 'loss_cluster'}
        if overlap:
            raise ValueError(f'head_loss must not return the probe losses {sorted(overlap)}')
        losses.update(self.probe_losses(code, label))
        return losses

    def predict_maps(self, inputs: Tensor, size: tuple[int, int]) -> tuple[Tensor, Tensor]:
        """``(cluster, linear)`` predictions ``[B, H, W]`` at ``size`` (module docstring)."""
        code = F.interpolate(self.code(inputs), size, mode='bilinear', align_corners=False)
        if not self.crf:
            return self.cluster_probe.similarity(code).argmax(1), \
                self.linear_probe(code).argmax(1)
        from ..wsss.crf import crf_from_logits, stego_crf_image
        linear = torch.log_softmax(self.linear_probe(code), dim=1)
        cluster = self.cluster_probe(code, self.cluster_alpha, log_probs=True)[1]
        outs = []
        for logits in (cluster, linear):
            outs.append(torch.stack([
                torch.from_numpy(crf_from_logits(stego_crf_image(img), lg).argmax(0))
                for img, lg in zip(inputs, logits)]).to(inputs.device))
        return outs[0], outs[1]

    @torch.no_grad()
    def predict(self, inputs: Tensor, data_samples=None):
        if data_samples and 'gt_sem_seg' in data_samples[0]:
            size = tuple(data_samples[0].gt_sem_seg.data.shape[-2:])
        else:
            size = tuple(inputs.shape[-2:])
        cluster, linear = self.predict_maps(inputs, size)
        if data_samples is None:
            from mmseg.structures import SegDataSample
            data_samples = [SegDataSample() for _ in range(inputs.shape[0])]
        for s, c, li in zip(data_samples, cluster, linear):
            s.pred_sem_seg = PixelData(data=c[None])
            s.linear_pred_sem_seg = PixelData(data=li[None])
        return data_samples

    def train_step(self, data, optim_wrapper):
        if not isinstance(optim_wrapper, OptimWrapperDict):
            return super().train_step(data, optim_wrapper)
        data = self.data_preprocessor(data, True)
        losses = self._run_forward(data, mode='loss')
        parsed, log_vars = self.parse_losses(losses)
        step_all(optim_wrapper, parsed)
        return log_vars
