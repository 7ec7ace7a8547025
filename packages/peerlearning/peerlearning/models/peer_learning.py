"""The peer-learning model (Sun et al., ICCV 2021, arXiv 2108.02399, Fig. 2): two
mmpretrain ``ImageClassifier`` peers h1 / h2 of the same architecture trained together, each on
the samples its peer chose (:func:`.peer_loss.peer_learning_loss`), with two optimisers
(``OptimWrapperDict`` keys ``net1`` / ``net2``) stepped in one custom ``train_step``.

Mirrors the official ``main.py::train`` (two ``BCNN`` / ``ResNet50`` networks, two Adam
optimisers, ``loss_1.backward(); optimizer1.step()`` then the same for net 2).
"""
from __future__ import annotations

import copy
from collections import OrderedDict

import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict

from ..registry import MODELS
from .peer_loss import drop_rate_at, peer_learning_loss

PREDICT_WITH = ('net1', 'net2', 'mean')


@MODELS.register_module()
class PeerLearning(BaseModel):
    """Two peers and the peer-selection step.

    Args:
        net1: Config of h1, an mmpretrain classifier (``ImageClassifier``: backbone, neck,
            head). Its ``data_preprocessor`` is not used: the model's own one runs once.
        net2: Config of h2; default a copy of ``net1`` (initialised independently).
        drop_rate: The final drop rate r (0.35 WebFG-496, 0.3 WebiNat-5089).
        T_k: Epochs of the linear ramp of r_e from 0 to r (official 10).
        predict_with: What ``predict`` returns: ``'net1'`` (default), ``'net2'`` or ``'mean'``
            (the mean of the two softmax scores). The official code evaluates both peers
            separately and reports the better one.
        data_preprocessor: mmpretrain ``ClsDataPreprocessor`` config (normalisation).
    """

    def __init__(self, net1: dict, net2: dict | None = None, drop_rate: float = 0.35,
                 T_k: int = 10, predict_with: str = 'net1', data_preprocessor=None,
                 init_cfg=None):
        if data_preprocessor is None:
            data_preprocessor = dict(type='ClsDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not 0.0 <= drop_rate <= 1.0:
            raise ValueError(f'PeerLearning: drop_rate must be in [0, 1], got {drop_rate}')
        if predict_with not in PREDICT_WITH:
            raise ValueError(f'PeerLearning: predict_with must be one of {PREDICT_WITH}, '
                             f'got {predict_with!r}')
        self.net1 = MODELS.build(net1)
        self.net2 = MODELS.build(copy.deepcopy(net1) if net2 is None else net2)
        self.final_drop_rate, self.T_k, self.predict_with = drop_rate, T_k, predict_with
        self.drop_rate = drop_rate_at(0, drop_rate, T_k)  # r_e; the epoch hook updates it
        self.last_selection = None  # the latest PeerSelection (pictures, tests)

    def set_epoch(self, epoch: int) -> None:
        """r_e of the 0-based ``epoch`` (called by ``PeerLearningScheduleHook``)."""
        self.drop_rate = drop_rate_at(epoch, self.final_drop_rate, self.T_k)

    @staticmethod
    def _labels(data_samples) -> torch.Tensor:
        return torch.cat([s.gt_label for s in data_samples])

    def train_step(self, data, optim_wrapper: OptimWrapperDict) -> dict:
        """One peer-learning step (Fig. 2): both peers' logits, the exchanged selection, then
        h1's update on G_d u G_s2 with its optimiser and h2's on G_d u G_s1 with its own."""
        if not isinstance(optim_wrapper, OptimWrapperDict) or \
                {'net1', 'net2'} - set(optim_wrapper.keys()):
            raise TypeError('PeerLearning needs optim_wrapper = OptimWrapperDict with keys '
                            "'net1' and 'net2' (config: constructor="
                            "'SubmoduleOptimWrapperConstructor', net1=dict(modules=('net1',)"
                            ", ...), net2=dict(modules=('net2',), ...))")
        data = self.data_preprocessor(data, True)
        inputs, samples = data['inputs'], data['data_samples']
        labels = self._labels(samples).to(inputs.device)
        ow1, ow2 = optim_wrapper['net1'], optim_wrapper['net2']
        with ow1.optim_context(self.net1):
            logits1 = self.net1(inputs, mode='tensor')
        with ow2.optim_context(self.net2):
            logits2 = self.net2(inputs, mode='tensor')
        loss1, loss2, sel = peer_learning_loss(logits1, logits2, labels, self.drop_rate)
        ow1.update_params(loss1)
        ow2.update_params(loss2)
        self.last_selection = sel
        n = labels.numel()
        return OrderedDict(
            loss=(loss1 + loss2).detach(), loss1=loss1.detach(), loss2=loss2.detach(),
            drop_rate=torch.tensor(float(self.drop_rate)),
            disagree=torch.tensor(sel.disagree.numel() / n),
            selected=torch.tensor(sel.update1.numel() / n))

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'tensor':
            return self._scores(inputs, softmax=False)
        if mode == 'predict':
            if self.predict_with != 'mean':
                return getattr(self, self.predict_with).predict(inputs, data_samples)
            preds = self.net1.predict(inputs, data_samples)
            scores = self._scores(inputs, softmax=True)
            for sample, score in zip(preds, scores):
                sample.set_pred_score(score).set_pred_label(score.argmax(keepdim=True))
            return preds
        if mode == 'loss':
            raise ValueError("PeerLearning trains through train_step (two optimisers); "
                             "mode='loss' has no single loss to return")
        raise ValueError(f"mode must be 'tensor', 'predict' or 'loss', not {mode!r}")

    def _scores(self, inputs, softmax: bool):
        out1 = self.net1(inputs, mode='tensor')
        if self.predict_with == 'net1':
            return out1.softmax(1) if softmax else out1
        out2 = self.net2(inputs, mode='tensor')
        if self.predict_with == 'net2':
            return out2.softmax(1) if softmax else out2
        mean = (out1.softmax(1) + out2.softmax(1)) / 2
        return mean if softmax else mean.log()
