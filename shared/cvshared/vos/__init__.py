"""Shared zero-shot video object segmentation blocks (HGPU, HCPN; issue 14).

- :mod:`cvshared.vos.blocks`: :class:`GCT`, :class:`IAFF`, :class:`SoftAttention`,
  :class:`CoAttention`, :class:`ParallelCoAttention`, :class:`Readout`;
- :mod:`cvshared.vos.decoder`: :class:`GlobalConv`, :class:`PDC`, :class:`Refine`,
  :class:`MotionRef`, :class:`ResBlock`, :func:`init_decoder_weights`;
- :mod:`cvshared.vos.losses`: :func:`hard_negative_map`, :func:`hard_negative_weight`,
  :func:`weighted_bce`, :class:`WeightedBCELoss`;
- :mod:`cvshared.vos.crf`: :func:`davis_crf` (the official dense-CRF binarisation, with the
  papers' settings :data:`~cvshared.vos.crf.HGPU_CRF` / :data:`~cvshared.vos.crf.HCPN_CRF`).

Every module class is registered in mmengine's root ``MODELS`` registry, which mmseg's
``MODELS`` searches as its parent: ``mmseg.registry.MODELS.build(dict(type='GCT', channels=8))``
works. The frame-pair data live in :mod:`cvshared.datasets.davis`.
"""
from . import crf, losses
from .blocks import GCT, IAFF, CoAttention, ParallelCoAttention, Readout, SoftAttention, rename_keys
from .decoder import PDC, AtrousConv, GlobalConv, MotionRef, Refine, ResBlock, init_decoder_weights
from .losses import WeightedBCELoss, hard_negative_map, hard_negative_weight, weighted_bce

__all__ = ['GCT', 'IAFF', 'SoftAttention', 'CoAttention', 'ParallelCoAttention', 'Readout',
           'rename_keys', 'GlobalConv', 'AtrousConv', 'PDC', 'Refine', 'MotionRef', 'ResBlock',
           'init_decoder_weights', 'crf', 'losses', 'WeightedBCELoss', 'hard_negative_map',
           'hard_negative_weight', 'weighted_bce']
