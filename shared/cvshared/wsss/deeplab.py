"""The final semantic stage of the WSSS pipelines: DeepLab v2's ASPP classifier for mmseg and the
pseudo-label training set.

:class:`DeepLabV2Head` (registered in mmseg's ``MODELS``). mmseg 1.x has DeepLab v3's
``ASPPHead`` (parallel branches concatenated, BN + ReLU, a bottleneck conv, then the 1x1
classifier) but not v2's: DeepLab v2 (Chen et al., TPAMI 2017; ``deeplab-pytorch``'s
``_ASPP``, the head IRN's final DeepLab uses) classifies with four parallel 3x3 convolutions of
dilation 6 / 12 / 18 / 24 straight from the backbone features to the class scores, and
*sums* them. No BN, no ReLU, no 1x1 classifier after (mmseg's ``conv_seg`` is not built);
weights N(0, 0.01), biases 0, as ``deeplab-pytorch`` initialises them. ``dropout_ratio``
(default 0) drops backbone features before the convolutions.

:class:`VOCPseudoLabelDataset` (registered in mmengine's ``DATASETS``, so in every scope):
``VOCWSSSDataset`` whose masks are the pseudo labels one stage of the pipeline wrote
(``<pseudo_label_dir>/<name>.png``, VOC palette or grey PNGs) instead of
``SegmentationClassAug``. An image without its pseudo label is an error naming the file and
the stage that makes it.
"""
from __future__ import annotations

import os.path as osp
from collections.abc import Sequence

import torch
import torch.nn as nn
from mmengine.registry import DATASETS
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS

from ..datasets.voc import VOCWSSSDataset

__all__ = ['DeepLabV2Head', 'VOCPseudoLabelDataset']


@MODELS.register_module()
class DeepLabV2Head(BaseDecodeHead):
    """DeepLab v2 ASPP: the sum of dilated 3x3 classifiers (see the module docstring).

    Args:
        dilations: One 3x3 convolution per rate (DeepLab v2: 6, 12, 18, 24).
        in_channels: Backbone channels (2048 for ResNet-50's last stage).
        num_classes: Output classes (21 for VOC).
        Other ``BaseDecodeHead`` arguments (``in_index``, ``loss_decode``, ``align_corners``,
        ``dropout_ratio``, ...) as usual; ``channels`` is unused (no hidden layer).
    """

    def __init__(self, dilations: Sequence[int] = (6, 12, 18, 24), channels: int | None = None,
                 dropout_ratio: float = 0.0,
                 init_cfg=None, **kwargs):
        if init_cfg is None:  # deeplab-pytorch: N(0, 0.01), bias 0
            init_cfg = dict(type='Normal', std=0.01, bias=0, layer='Conv2d')
        in_channels = kwargs.get('in_channels')
        if not isinstance(in_channels, int):
            raise ValueError('DeepLabV2Head takes one input (in_channels an int, e.g. 2048)')
        super().__init__(channels=channels or in_channels, dropout_ratio=dropout_ratio,
                         init_cfg=init_cfg, **kwargs)
        self.conv_seg = None  # v2 classifies in the ASPP branches themselves
        self.dilations = tuple(int(d) for d in dilations)
        if not self.dilations:
            raise ValueError('DeepLabV2Head needs at least one dilation')
        self.aspp = nn.ModuleList(
            nn.Conv2d(self.in_channels, self.out_channels, 3, padding=d, dilation=d, bias=True)
            for d in self.dilations)

    def forward(self, inputs) -> torch.Tensor:
        x = self._transform_inputs(inputs)
        if self.dropout is not None:
            x = self.dropout(x)
        out = self.aspp[0](x)
        for conv in self.aspp[1:]:
            out = out + conv(x)
        return out


@DATASETS.register_module()
class VOCPseudoLabelDataset(VOCWSSSDataset):
    """VOC images with the pipeline's semantic pseudo labels as their masks.

    Args:
        pseudo_label_dir: Folder of ``<name>.png`` pseudo labels (absolute, or relative to the
            working directory; the pipeline binds it to the label stage's output).
        pseudo_stage: Name of the stage that writes them, for the error message
            (e.g. ``'rw'``); ``paper``: the paper key, for the command in the message.
        Other arguments as :class:`~cvshared.datasets.voc.VOCWSSSDataset` (``ann_file`` the
        training list, e.g. ``ImageSets/Segmentation/train_aug.txt``); image-level labels are
        not read by default.
    """

    def __init__(self, pseudo_label_dir: str | None = None, pseudo_stage: str = '',
                 paper: str = '', with_image_labels: bool = False, **kwargs):
        if not pseudo_label_dir:
            raise ValueError('VOCPseudoLabelDataset needs pseudo_label_dir (the folder the '
                             'label stage writes; a pipeline config sets it from '
                             "stage_inputs['<stage>'])")
        self.pseudo_label_dir = pseudo_label_dir
        self.pseudo_stage = pseudo_stage
        self.paper = paper
        prefix = dict(kwargs.pop('data_prefix', None) or {})
        prefix['seg_map_path'] = ''  # the masks are the pseudo labels, set below
        super().__init__(data_prefix=prefix, with_image_labels=with_image_labels, **kwargs)

    def _hint(self) -> str:
        if not self.pseudo_stage:
            return ''
        cmd = f'python tools/stage.py {self.paper or "<paper>"} {self.pseudo_stage}'
        return f" Run the stage that writes them first: {self.pseudo_stage!r} ({cmd})."

    def load_data_list(self) -> list[dict]:
        data_list = super().load_data_list()
        if not osp.isdir(self.pseudo_label_dir):
            raise FileNotFoundError(f'pseudo-label folder {self.pseudo_label_dir!r} not found.'
                                    + self._hint())
        for info in data_list:
            path = osp.join(self.pseudo_label_dir, info['img_name'] + self.seg_map_suffix)
            if not osp.isfile(path):
                raise FileNotFoundError(f'image {info["img_path"]} has no pseudo label {path!r}.'
                                        + self._hint())
            info['seg_map_path'] = path
        return data_list
