"""The UMIL recognizer: the X-CLIP model (``UMILXCLIP``) plus the three training stages.

Stages (driven by :class:`umil.engine.UMILTrainLoop`, which sets :attr:`UMILRecognizer.stage`):

- ``'mil'`` (every epoch, optimiser ``'mil'``): :func:`umil.models.losses.mil_stage_losses`
  on ``inputs [B, 2, K, T, 3, H, W]`` (weak / strong views of K clips).
- scoring (from ``umil_epoch - 5``): ``predict`` on the training set's segment clips, whose
  softmax scores feed the :class:`umil.split.ScoreHistory`.
- ``'umil'`` (from ``umil_epoch``, optimiser ``'umil'``): batches holding an abnormal video;
  the ambiguous snippets (the split's, looked up through the clips' middle frames) give
  ``L_clu + L_compat`` (:func:`umil.models.losses.umil_step_losses`).

Inference (``predict``): per clip ``p_a[abnormal] + w_cls * p_c[abnormal]`` as
``pred_score [K]``; the frame metric expands it over the frames.
"""
from __future__ import annotations

import numpy as np
import torch
from mmengine.model import BaseModel

from ..registry import MODELS
from ..split import snippet_of_clips
from .losses import mil_stage_losses, umil_step_losses


def _get(sample, name, default=None):
    if isinstance(sample, dict):
        return sample.get(name, default)
    return getattr(sample, name, default)


@MODELS.register_module()
class UMILRecognizer(BaseModel):
    """Args:
        backbone: the video-text model config (``UMILXCLIP``, or ``UMILStandIn`` in tests).
        clip_len: frames per clip (5).
        threshold / cluster_threshold: FixMatch thresholds of L_con / L_con_c (0.8).
        cosine_threshold: ClusterLoss pair threshold (0.7).
        w_cls: weight of the cluster head's score at inference (0).
        mil_weights: overrides of :data:`umil.models.losses.MIL_WEIGHTS`.
        w_compat: weight of the compatibility loss (1.0).
    """

    def __init__(self, backbone: dict, clip_len: int = 5, threshold: float = 0.8,
                 cluster_threshold: float = 0.8, cosine_threshold: float = 0.7,
                 w_cls: float = 0.0, mil_weights: dict | None = None, w_compat: float = 1.0,
                 data_preprocessor: dict | None = None, init_cfg=None):
        if data_preprocessor is None:
            data_preprocessor = dict(type='UMILDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.clip_len = clip_len
        self.threshold, self.cluster_threshold = threshold, cluster_threshold
        self.cosine_threshold, self.w_cls = cosine_threshold, w_cls
        self.mil_weights, self.w_compat = dict(mil_weights or {}), w_compat
        self.stage = 'mil'
        self.split_state = None   # (history, pseudo_label, confident), set by the loop

    # -- forward ----------------------------------------------------------------------------
    def _run(self, clips: torch.Tensor) -> dict:
        """``clips [..., T, 3, H, W]`` -> backbone outputs ``[N, ...]`` reshaped to
        ``[..., ...]`` (the leading dims of ``clips``; e.g. UMILXCLIP's eval-mode
        ``feature_t [N, classes, D]`` keeps its trailing dims)."""
        lead = clips.shape[:-4]
        out = self.backbone(clips.reshape(-1, *clips.shape[-4:]))
        return {k: v.reshape(*lead, *v.shape[1:]) for k, v in out.items()}

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'tensor':
            return self._run(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', not {mode!r}")

    def loss(self, inputs, data_samples) -> dict:
        """The MIL stage's weighted terms (their sum is the official total)."""
        if inputs.dim() != 7 or inputs.shape[1] != 2:
            raise ValueError('training inputs must be [B, 2 views, K clips, T, 3, H, W], got '
                             f'{tuple(inputs.shape)}')
        out = self._run(inputs)
        labels = torch.as_tensor([int(_get(s, 'label')) for s in data_samples],
                                 device=inputs.device)
        return mil_stage_losses(out['y'], out['y_cluster_all'], out['feature_v'], labels,
                                self.threshold, self.cluster_threshold, self.cosine_threshold,
                                self.w_cls, self.mil_weights)

    def ambiguous_mask(self, data_samples, num_clips: int) -> torch.Tensor:
        """The split's ambiguous flags of each sampled clip, ``[B, K]`` bool."""
        history, _, confident = self.split_state
        rows = []
        for s in data_samples:
            v = int(_get(s, 'sample_idx'))
            sl = history.video_slice(v)
            idx = snippet_of_clips(np.asarray(_get(s, 'frame_inds')),
                                   int(_get(s, 'total_frames')), sl.stop - sl.start,
                                   self.clip_len)
            rows.append(~confident[sl][idx])
        return torch.from_numpy(np.stack(rows)).reshape(len(rows), num_clips)

    def umil_loss(self, inputs, data_samples) -> dict | None:
        """The UMIL step's ``L_clu + w_compat * L_compat``; ``None`` for a batch without an
        abnormal video or with <= 2 ambiguous snippets (skipped, as officially)."""
        labels = [int(_get(s, 'label')) for s in data_samples]
        if not any(labels):
            return None
        ambiguous = self.ambiguous_mask(data_samples, inputs.shape[2]).to(inputs.device)
        if int(ambiguous.sum()) <= 2:
            return None
        out = self._run(inputs)
        return umil_step_losses(out['feature_v'], out['y'], out['y_cluster_all_nograd'],
                                ambiguous, self.cosine_threshold, 1.0, self.w_compat)

    @torch.no_grad()
    def snippet_scores(self, inputs) -> tuple[torch.Tensor, torch.Tensor]:
        """Softmax scores of the anomaly and cluster heads, ``[B, K, 2]`` each."""
        out = self._run(inputs)
        return out['y'].softmax(-1), out['y_cluster_all'].softmax(-1)

    def predict(self, inputs, data_samples):
        p_a, p_c = self.snippet_scores(inputs)
        score = p_a[..., 1] + self.w_cls * p_c[..., 1]
        results = []
        for i, s in enumerate(data_samples):
            item = s.to_dict() if hasattr(s, 'to_dict') else dict(s)
            item.update(pred_score=score[i].detach().cpu(), scores=p_a[i].detach().cpu())
            results.append(item)
        return results

    # -- steps ------------------------------------------------------------------------------
    def train_step(self, data, optim_wrapper):
        wrappers = optim_wrapper
        if self.stage == 'mil':
            wrapper = wrappers['mil'] if hasattr(wrappers, 'optim_wrappers') else wrappers
            with wrapper.optim_context(self):
                data = self.data_preprocessor(data, True)
                losses = self._run_forward(data, mode='loss')
            parsed, log_vars = self.parse_losses(losses)
            wrapper.update_params(parsed)
            return log_vars
        if self.stage == 'umil':
            wrapper = wrappers['umil']
            with wrapper.optim_context(self):
                data = self.data_preprocessor(data, True)
                losses = self.umil_loss(data['inputs'], data['data_samples'])
            if losses is None:
                return {}
            parsed, log_vars = self.parse_losses(losses)
            wrapper.update_params(parsed)
            return {f'umil_{k}': v for k, v in log_vars.items()}
        raise ValueError(f"stage must be 'mil' or 'umil', not {self.stage!r}")
