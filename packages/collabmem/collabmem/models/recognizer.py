"""Video-level end-to-end learning (Yang et al., CVPR 2021): a ``Recognizer3D`` that keeps the
clip axis.

"The standard way of training video models entails sampling at each iteration a single clip
from a video ... we introduce a collaborative memory mechanism that encodes information across
multiple sampled clips of a video at each training iteration" (abstract). So a training batch
holds ``N`` clips of each video (``SampleFrames(num_clips=N)``: inputs ``(B, N, 3, T, H, W)``),
all of them go through the shared backbone in one pass (``B * N`` clips), and every
:class:`~collabmem.models.memory.CollaborativeMemory` block of the backbone is told ``N`` so it
groups the ``N`` clips of each video (the ``(B * N) -> (B, N)`` reshape).

Loss (ours: the paper's form could not be read): ``loss_level='video'`` (default) applies the
head's loss to the video score, the mean of the ``N`` clip logits (the video label supervises
the video, Fig. 1 "video-level learning"); ``'clip'`` applies it to every clip with the video
label. At test, all views of a video (clips x crops) share one memory and the head averages
their scores (mmaction2's ``average_clips``), as in training.
"""
from __future__ import annotations

import contextlib

import torch
from mmaction.models.recognizers import Recognizer3D
from mmengine.model import merge_dict

from ..registry import MODELS
from .memory import CollaborativeMemory


@MODELS.register_module()
class CollabMemRecognizer3D(Recognizer3D):
    """``Recognizer3D`` whose memory blocks see the clips of a video together.

    Args:
        loss_level: ``'video'`` (the loss of the mean clip logits) or ``'clip'``.
        Other arguments: mmaction2's ``Recognizer3D``.
    """

    def __init__(self, *args, loss_level: str = 'video', **kwargs):
        super().__init__(*args, **kwargs)
        if loss_level not in ('video', 'clip'):
            raise ValueError(f"loss_level must be 'video' or 'clip', not {loss_level!r}")
        self.loss_level = loss_level

    def memories(self) -> list[CollaborativeMemory]:
        return [m for m in self.backbone.modules() if isinstance(m, CollaborativeMemory)]

    @contextlib.contextmanager
    def _clips_per_video(self, n: int):
        blocks = self.memories()
        saved = [b.num_clips for b in blocks]
        for b in blocks:
            b.num_clips = n
        try:
            yield
        finally:
            for b, s in zip(blocks, saved):
                b.num_clips = s

    def extract_feat(self, inputs: torch.Tensor, stage: str = 'neck', data_samples=None,
                     test_mode: bool = False):
        if inputs.dim() != 6:
            raise ValueError(f'CollabMemRecognizer3D takes (batch, clips, C, T, H, W) inputs, '
                             f'got shape {tuple(inputs.shape)}')
        if test_mode and self.test_cfg is not None and self.test_cfg.get('max_testing_views') \
                and self.memories():
            raise ValueError('max_testing_views splits the views of a video, which share one '
                             'collaborative memory: remove it from test_cfg')
        with self._clips_per_video(inputs.shape[1]):
            return super().extract_feat(inputs, stage=stage, data_samples=data_samples,
                                        test_mode=test_mode)

    def loss(self, inputs: torch.Tensor, data_samples, **kwargs) -> dict:
        b, n = inputs.shape[:2]
        feats, loss_kwargs = self.extract_feat(inputs, data_samples=data_samples)
        loss_aux = loss_kwargs.get('loss_aux', dict())
        scores = self.cls_head(feats)                                  # (B * N, classes)
        if self.loss_level == 'video':
            losses = self.cls_head.loss_by_feat(scores.view(b, n, -1).mean(1), data_samples)
        else:
            repeated = [s for s in data_samples for _ in range(n)]
            losses = self.cls_head.loss_by_feat(scores, repeated)
        return merge_dict(losses, loss_aux)
