"""Shapes, gradients and the invariants of FAM / FAT / HFAN and the two-stream model."""
import pytest
import torch
from hfan.models import (
    FeatureAdaptation,
    FeatureAlignment,
    FrameFlowDataPreProcessor,
    HFANHead,
    HierarchicalFeatureAlignment,
)
from hfan.models.head import SELECT_METHODS
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample


def _bn_eval(m):
    m.eval()
    return m


@pytest.mark.parametrize('cls', [FeatureAlignment, FeatureAdaptation,
                                 HierarchicalFeatureAlignment])
def test_fusion_shapes_and_gradients(cls):
    m = cls(32, 2)
    im = torch.randn(2, 32, 5, 6, requires_grad=True)
    fw = torch.randn(2, 32, 5, 6, requires_grad=True)
    out = m(im, fw)
    assert out.shape == im.shape
    out.square().mean().backward()
    assert im.grad.abs().sum() > 0 and fw.grad.abs().sum() > 0
    assert all(p.grad is not None for p in m.parameters())
    # inner width C // r = 16 (the official r = C // 16)
    if hasattr(m, 'poc'):
        assert m.poc.query_project[0].conv.out_channels == 16


def test_fat_of_identical_inputs_is_twice_the_input():
    """2 a w + 2 b (1 - w) = 2 a whenever a = b, whatever the gate w (Eq. 10)."""
    m = _bn_eval(FeatureAdaptation(32, 2))
    x = torch.randn(2, 32, 4, 4)
    torch.testing.assert_close(m(x, x), 2 * x)


def test_fam_regions_come_from_the_appearance_stream():
    """FAM/HFAN with identical streams give 2 POC(im); the regions R do not depend on fw."""
    for m in (_bn_eval(FeatureAlignment(32, 2)), _bn_eval(HierarchicalFeatureAlignment(32, 2))):
        im = torch.randn(1, 32, 4, 5)
        a_im, a_fw = m.align(im, im)
        torch.testing.assert_close(a_im, a_fw)
        regions = m.css(im, m.object_pred(im))
        assert regions.shape == (1, 32, 2, 1)
        # A_fw is POC(fw, R(im)): recomputing it by hand with R from im only matches
        fw = torch.randn(1, 32, 4, 5)
        torch.testing.assert_close(m.align(im, fw)[1], m.poc(fw, regions))


def test_head_methods_use_the_right_streams():
    feats = [torch.randn(4, c, s, s) for c, s in zip([16, 16, 32, 32], [8, 4, 2, 1])]
    for method in SELECT_METHODS:
        head = _bn_eval(HFANHead(select_method=method, in_channels=[16, 16, 32, 32],
                                 in_index=[0, 1, 2, 3], channels=16, num_classes=2, embed_dim=8,
                                 norm_cfg=dict(type='BN')))
        out = head(feats)
        assert out.shape == (2, 2, 8, 8)
        swapped_flow = [torch.cat([f[:2], torch.randn_like(f[2:])]) for f in feats]
        changed = not torch.allclose(head(swapped_flow), out)
        assert changed == (method != 'im'), method  # only 'im' ignores the flow
        assert not hasattr(head, 'conv_seg')
    with pytest.raises(ValueError, match='select_method'):
        HFANHead(select_method='nope', in_channels=[16] * 4, in_index=[0, 1, 2, 3], channels=16,
                 num_classes=2)


def _tiny_segmentor(**head):
    return MODELS.build(dict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='FrameFlowDataPreProcessor', mean=[0.] * 6, std=[1.] * 6,
                               size=(32, 32)),
        backbone=dict(type='FrameFlowBackbone', backbone=dict(
            type='MixVisionTransformer', in_channels=3, embed_dims=16, num_layers=[1, 1, 1, 1],
            num_heads=[1, 1, 2, 2], sr_ratios=[4, 2, 1, 1], mlp_ratio=2)),
        decode_head=dict(type='HFANHead', in_channels=[16, 16, 32, 32], in_index=[0, 1, 2, 3],
                         channels=16, num_classes=2, embed_dim=16, norm_cfg=dict(type='BN'),
                         **head)))


def test_backbone_is_shared_between_streams():
    model = _tiny_segmentor()
    model.eval()
    frame = torch.randn(1, 3, 32, 32)
    feats = model.extract_feat(torch.cat([frame, frame], dim=1))
    for f in feats:  # one encoder: identical images give identical features
        assert f.shape[0] == 2
        torch.testing.assert_close(f[0], f[1])
    with pytest.raises(ValueError, match='even number'):
        model.extract_feat(torch.randn(1, 5, 32, 32))


def test_train_step_gives_gradients_to_every_parameter():
    model = _tiny_segmentor()
    model.train()
    sample = SegDataSample(metainfo=dict(img_shape=(32, 32), ori_shape=(32, 32)))
    sample.gt_sem_seg = PixelData(data=(torch.rand(1, 32, 32) > 0.7).long())
    data = dict(inputs=[torch.randint(0, 255, (6, 32, 32), dtype=torch.uint8)] * 2,
                data_samples=[sample, sample])
    data = model.data_preprocessor(data, True)
    losses = model(**data, mode='loss')
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    no_grad = [n for n, p in model.named_parameters() if p.grad is None]
    assert not no_grad  # hence no find_unused_parameters (the official needed it for conv_seg)


def test_data_preprocessor_swaps_each_image():
    pre = FrameFlowDataPreProcessor(mean=[0.] * 6, std=[1.] * 6, bgr_to_rgb=True)
    x = torch.arange(6, dtype=torch.uint8).view(6, 1, 1).expand(6, 2, 2).clone()
    out = pre(dict(inputs=[x], data_samples=[SegDataSample()]), False)['inputs']
    assert out[0, :, 0, 0].tolist() == [2, 1, 0, 5, 4, 3]
