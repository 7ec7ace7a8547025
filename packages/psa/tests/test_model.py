"""Backbone shapes and freezing, the converter, the loss in closed form, the affinity label rule
on hand-made maps, the random-walk properties and the bad-input errors of psa."""
import numpy as np
import pytest
import torch

TINY = dict(type='ResNet38', widths=(8, 16, 16, 32, 32, 64), depths=(1, 1, 1, 1))


def test_backbone_strides_channels_and_official_freezing():
    from psa.models import ResNet38
    net = ResNet38(**{k: v for k, v in TINY.items() if k != 'type'})
    out = net(torch.randn(1, 3, 80, 72))
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        'conv4': (1, 32, 10, 9), 'conv5': (1, 32, 10, 9), 'conv6': (1, 64, 10, 9)}
    net.train()
    bns = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and all(not m.training and not m.weight.requires_grad for m in bns)
    assert not net.conv1a.weight.requires_grad and not net.b2.conv_branch2a.weight.requires_grad
    assert net.b3.conv_branch2a.weight.requires_grad
    # the official block names and dilations (the full-width net is built by the golden tests)
    deep = ResNet38(widths=(4, 4, 4, 4, 8, 8), depths=(3, 3, 6, 3))
    assert deep.block_names == ['b2', 'b2_1', 'b2_2', 'b3', 'b3_1', 'b3_2', 'b4', 'b4_1', 'b4_2',
                                'b4_3', 'b4_4', 'b4_5', 'b5', 'b5_1', 'b5_2']
    assert deep.b5.conv_branch2a.dilation == (1, 1) and deep.b5_1.conv_branch2a.dilation == (2, 2)
    assert deep.b7.conv_branch2b1.dilation == (4, 4) and deep.b6.dropout_2b1.p == 0.3
    assert not deep.b2_2.conv_branch2a.weight.requires_grad


def test_backbone_as_mmseg_deeplab_backbone():
    """The DeepLab configs' ResNet-38: ``out_keys`` gives the tuple mmseg's decode head indexes
    (the same maps as the dict), in mmseg's registry (the configs' default scope), and the
    synthetic DeepLab builds from its config to 21-class scores at stride 8."""
    from cvshared.engine.launch import load_config
    from mmengine.registry import DefaultScope
    from mmseg.registry import MODELS
    from psa.models import ResNet38
    torch.manual_seed(0)
    kw = {k: v for k, v in TINY.items() if k != 'type'}
    as_dict = ResNet38(**kw).eval()
    as_tuple = ResNet38(**kw, out_keys=('conv6', 'conv4')).eval()
    as_tuple.load_state_dict(as_dict.state_dict())
    x = torch.randn(1, 3, 80, 72)
    with torch.no_grad():
        d, t = as_dict(x), as_tuple(x)
    assert isinstance(t, tuple) and len(t) == 2
    assert torch.equal(t[0], d['conv6']) and torch.equal(t[1], d['conv4'])
    with pytest.raises(ValueError, match='out_keys'):
        ResNet38(**kw, out_keys=('conv7',))
    assert MODELS.get('ResNet38') is ResNet38
    cfg = load_config('configs/psa/psa-deeplabv2_resnet38-tiny_1xb4-160i_synthetic.py',
                      data_root='data/synthetic/psa')
    real = load_config('configs/psa/psa-deeplabv2_resnet38_1xb10-20k_voc12aug-321x321.py',
                       data_root='data/VOCdevkit/VOC2012')
    assert real.model.backbone.type == 'ResNet38' and real.model.decode_head.in_channels == 4096
    assert real.model.backbone.init_cfg.checkpoint == 'checkpoints/resnet38d_imagenet.pth'
    with DefaultScope.overwrite_default_scope('mmseg'):
        seg = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        assert tuple(seg(torch.randn(2, 3, 80, 80)).shape) == (2, 21, 10, 10)


def test_convert_round_trip_loads_strictly_and_names_unknown_keys():
    from psa.convert import convert, to_official
    from psa.models import PsaAffinityNet, PsaCAMNet
    for model in (PsaCAMNet(backbone=TINY), PsaAffinityNet(backbone=TINY)):
        official = {'module.' + k: v for k, v in to_official(model.state_dict()).items()}
        assert 'module.b2.bn_branch2a.running_var' in official
        model.load_state_dict(convert(official), strict=True)
    # the MXNet-converted ImageNet dict: backbone keys only, linear1000 dropped
    assert convert({'b2_1.conv_branch2a.weight': 1, 'linear1000.weight': 2}) == {
        'backbone.b2_1.conv_branch2a.weight': 1}
    with pytest.raises(KeyError, match='unexpected.weight'):
        convert({'unexpected.weight': torch.zeros(1)})


def test_affinity_loss_closed_form():
    from psa.models import affinity_loss
    aff = torch.tensor([[0.9, 0.5, 0.2, 0.7]])
    bg = torch.tensor([[1., 0, 0, 0]])
    fg = torch.tensor([[0., 1, 0, 0]])
    neg = torch.tensor([[0., 0, 1, 1]])
    out = affinity_loss(aff, bg, fg, neg)
    e = 1e-5
    want = (-np.log(0.9 + e) / (1 + e) / 4 - np.log(0.5 + e) / (1 + e) / 4
            + (-np.log(1 + e - 0.2) - np.log(1 + e - 0.7)) / (2 + e) / 2)
    assert out['loss'].item() == pytest.approx(want, rel=1e-6)
    # an empty label set contributes 0, not NaN
    assert affinity_loss(aff, bg * 0, fg, neg)['bg_term'].item() == 0


def test_affinity_label_rule_and_pairs_on_a_hand_map():
    from psa.models import extract_affinity_labels, label_from_scores
    # 3 channels (bg, class a, class b) on a 1 x 4 grid
    la = torch.tensor([[0.9, 0.1, 0.1, 0.0], [0.1, 0.8, 0.1, 0.0], [0.0, 0.1, 0.8, 0.0]])
    ha = torch.tensor([[0.9, 0.1, 0.1, 0.0], [0.1, 0.8, 0.1, 0.0], [0.0, 0.1, 0.8, 0.0]])
    ha[0, 1] = 0.95  # confident background wins over the la foreground
    label = label_from_scores(la[:, None], ha[:, None])[0]
    assert label.tolist() == [0, 0, 2, 255]   # la bg -> 255 then ha bg -> 0; no score -> 255
    lab = torch.full((5, 9), 255)
    lab[0, 4], lab[0, 5], lab[1, 4], lab[4, 4] = 1, 1, 2, 0
    lab[3, 4] = 0
    bg, fg, neg = extract_affinity_labels(lab, 5)
    assert bg.shape == (34, 1)   # one source pixel (0, 4) on a 5 x 9 grid
    # directions (0, 1) = index 0, (1, 0) = index 4 + 4 = 8 (dy = 1: dx = -4 .. 4)
    assert fg[0, 0] == 1 and fg.sum() == 1
    assert neg[8, 0] == 1 and neg.sum() == 3   # (1, 4) class 2, (3, 4) and (4, 4) background
    assert bg.sum() == 0


def test_random_walk_sparse_equals_dense_and_is_convex():
    from psa.random_walk import propagate
    g = torch.Generator().manual_seed(0)
    cam = torch.rand(3, 6, 10, generator=g)
    aff = torch.rand(34, 2 * 2, generator=g)   # 6 x 10 grid: 2 x 2 sources
    sparse = propagate(cam, aff, (6, 10), method='sparse')
    dense = propagate(cam, aff, (6, 10), method='dense')
    torch.testing.assert_close(sparse, dense, atol=1e-5, rtol=1e-4)
    assert (sparse - cam).abs().max() > 1e-2      # it does propagate
    # column-stochastic T: every output is a convex combination of inputs (constants are fixed
    # points, the maximum cannot grow)
    const = propagate(torch.full((1, 6, 10), 0.3), aff, (6, 10))
    torch.testing.assert_close(const, torch.full((1, 6, 10), 0.3))
    assert (sparse.amax((1, 2)) <= cam.amax((1, 2)) + 1e-6).all()


def test_bad_inputs_are_clear_errors(tmp_path):
    from psa.datasets import PsaPackInputs
    from psa.models import crf_scores
    from psa.pipeline import load_aff_scores
    from psa.random_walk import cam_stack
    with pytest.raises(ValueError, match='made for other images'):
        cam_stack([3], np.zeros((1, 8, 8)), (8, 9))
    with pytest.raises(ValueError, match='made for other images'):
        crf_scores(np.zeros((8, 9, 3), np.uint8), np.zeros((1, 8, 8)), 4)
    with pytest.raises(ValueError, match=r'keys \[25\]'):
        cam_stack([25], np.zeros((1, 8, 8)), (8, 8))
    with pytest.raises(KeyError, match="no 'img_labels' entry"):
        PsaPackInputs()(dict(img=np.zeros((4, 4, 3), np.uint8), img_path='x.jpg'))
    with pytest.raises(FileNotFoundError, match='run the make_aff_labels stage first'):
        load_aff_scores(str(tmp_path), 'missing')


def test_nets_train_the_right_parameters():
    from psa.models import PsaAffinityNet, PsaCAMNet
    x = torch.rand(2, 3, 80, 80) * 255
    cam = PsaCAMNet(backbone=TINY)
    loss = cam(x, [dict(img_labels=torch.eye(20)[0]), dict(img_labels=torch.eye(20)[3])],
               mode='loss')['loss']
    loss.backward()
    assert cam.fc8.weight.grad.abs().sum() > 0
    assert cam.backbone.b3.conv_branch2a.weight.grad.abs().sum() > 0
    assert cam.backbone.conv1a.weight.grad is None
    assert cam.forward_cam(x).shape == (2, 20, 10, 10) and cam.forward_cam(x).min() >= 0
    aff = PsaAffinityNet(backbone=TINY)
    lab = torch.zeros(10, 10, dtype=torch.long)
    lab[:, 5:] = 1
    out = aff(x, [dict(aff_label=lab), dict(aff_label=lab)], mode='loss')
    out['loss'].backward()
    assert out['bg_term'] > 0 and out['fg_term'] > 0 and out['neg_term'] > 0
    assert aff.f9.weight.grad.abs().sum() > 0


def test_draw_sample_panels():
    from psa.hooks import draw_sample
    image = np.zeros((6, 8, 3), np.uint8)
    cam = np.zeros((1, 6, 8), np.float32)
    cam[0, :, 4:] = 1
    label = np.zeros((6, 8), np.int64)
    label[:, 4:] = 1
    out = draw_sample(image, cam, cam, label)
    assert out.shape == (6, 32, 3)
    assert out[0, 8 + 7, 0] > out[0, 8 + 0, 0]          # heat is red where the CAM is high
    assert tuple(out[0, 24 + 7]) == (64, 0, 0)          # VOC colour of class 1 at weight 0.5
    label[0, 0] = 255
    image[:] = 10
    out = draw_sample(image, cam, None, label, caption=True)  # cvshared.wsss.draw's overlays
    from cvshared.wsss.draw import CAPTION_H
    assert out.shape == (6 + CAPTION_H, 24, 3)
    assert tuple(out[CAPTION_H, 16]) == (255, 255, 255)   # ignore: white
    assert tuple(out[CAPTION_H + 1, 16]) == (10, 10, 10)  # background keeps the image
    with pytest.raises(ValueError, match='differs from the image'):
        draw_sample(image, np.zeros((6, 7)))


def test_inferencer_loads_the_checkpoint_and_draws(tmp_path):
    import os.path as osp

    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from PIL import Image
    from psa.datasets import make_synthetic
    from psa.infer import INFERENCER
    from psa.registry import MODELS
    repo = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    config = osp.join(repo, 'configs', 'psa', 'psa-cam_resnet38-tiny_1xb8-33e_synthetic.py')
    root = make_synthetic(str(tmp_path / 'data'), num_train=1, num_val=1)
    image = osp.join(root, 'JPEGImages', '2000_000000.jpg')
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(Config.fromfile(config).model).eval()
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'model.pth')
    payload = INFERENCER(config, str(tmp_path / 'model.pth'))([image], out_dir=str(tmp_path / 'o'))
    result = payload['results'][0]
    bgr = np.asarray(Image.open(image).convert('RGB'))[..., ::-1].copy()   # as mmcv loads it
    data = model.data_preprocessor(dict(inputs=[torch.from_numpy(bgr).permute(2, 0, 1)]))
    with torch.no_grad():
        expected = torch.sigmoid(model(data['inputs'], mode='tensor'))[0]
    np.testing.assert_allclose(result['scores'], expected.numpy(), atol=1e-5)  # its weights
    drawing = np.asarray(Image.open(result['files'][0]))
    assert drawing.shape == (112, 224, 3)   # image | CAM overlay
