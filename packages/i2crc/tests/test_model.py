"""Shapes, gradients, the paper's stated properties and independent references for i2crc's
components: the D1 backbone, the relation losses (brute-force pixel loops), the parameter
groups, the label rules (hand-computed arrays), the MSC segmentor, the data layout and its
errors, the converter, the drawing."""
import math
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F

TINY = dict(type='I2crcVGG16D1', widths=(4, 8, 8, 8, 8), depths=(1, 1, 1, 1, 1))


def _net(**kw):
    from i2crc.models import I2crcCAMNet
    kw.setdefault('extra_channels', 8)
    return I2crcCAMNet(backbone=TINY, data_preprocessor=dict(type='BaseDataPreprocessor'), **kw)


# -- backbone ---------------------------------------------------------------------------------

def test_d1_backbone_is_vgg16_with_torchvision_keys_and_output_stride_8():
    import torchvision
    from i2crc.models import I2crcVGG16D1
    with torch.device('meta'):  # shapes only: no 138 M-parameter initialisation
        net = I2crcVGG16D1()
        tv = torchvision.models.vgg16().state_dict()
    ours = net.state_dict()
    assert {k: v.shape for k, v in ours.items()} == \
        {k: v.shape for k, v in tv.items() if k.startswith('features.')}
    pools = {i: m for i, m in enumerate(net.features) if isinstance(m, torch.nn.MaxPool2d)}
    assert sorted(pools) == [4, 9, 16, 23]
    assert (pools[23].kernel_size, pools[23].stride, pools[23].padding) == (3, 1, 1)
    assert [net.features[i].dilation for i in (24, 26, 28)] == [(2, 2)] * 3
    assert net.features[21].dilation == (1, 1)
    tiny = I2crcVGG16D1(**{k: v for k, v in TINY.items() if k != 'type'})
    assert tiny(torch.zeros(1, 3, 256, 256)).shape == (1, 8, 32, 32)
    assert tiny(torch.zeros(1, 3, 48, 64)).shape == (1, 8, 6, 8)


def test_new_convs_follow_the_official_init():
    net = _net(extra_channels=64)
    w = net.extra_convs[0].weight
    assert float(w.detach().std()) == pytest.approx(math.sqrt(2 / (9 * 64)), rel=0.05)
    assert float(net.extra_convs[-1].bias.detach().abs().sum()) == 0


def test_parameter_groups_are_the_official_four():
    from i2crc.models import PARAMWISE_CFG
    from mmengine.optim import build_optim_wrapper
    net = _net()
    wrapper = build_optim_wrapper(net, dict(type='OptimWrapper', optimizer=dict(
        type='SGD', lr=1.0, momentum=0.9, nesterov=True, weight_decay=5e-4),
        paramwise_cfg=PARAMWISE_CFG))
    lr_of = {id(g['params'][0]): g['lr'] for g in wrapper.optimizer.param_groups}
    for name, p in net.named_parameters():
        expected = (10.0 if name.endswith('weight') else 20.0) if 'extra_convs' in name else \
            (1.0 if name.endswith('weight') else 2.0)
        assert lr_of[id(p)] == expected, name


def test_config_paramwise_cfg_is_the_package_one():
    from i2crc.models import PARAMWISE_CFG
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(osp.dirname(__file__), '../../../configs/i2crc/'
                                   'i2crc-cam_vgg16-d1_1xb5-30e_voc12aug-256x256.py'))
    assert cfg.optim_wrapper.paramwise_cfg.to_dict() == PARAMWISE_CFG


# -- relation losses ------------------------------------------------------------------------

def _brute_force(cam, sal, labels):
    """Pixel loops over the upsampled CAM (independent of the vectorised code)."""
    b, c = cam.shape[:2]
    h, w = sal.shape[-2:]
    up = F.interpolate(cam, size=(h, w), mode='bilinear', align_corners=False)
    fg = bg = dist = 0.0
    keep = [i for i in range(b) if labels[i].sum() == 1]
    for i in keep:
        for k in range(c):
            cs = {}
            for name, wmap in (('fg', sal[i]), ('bg', 1 - sal[i])):
                num = den = 0.0
                for y in range(h):
                    for x in range(w):
                        num += float(up[i, k, y, x]) * float(wmap[y, x])
                        den += float(wmap[y, x])
                center = num / (den + 1e-5)
                sq = 0.0
                for y in range(h):
                    for x in range(w):
                        sq += (float(wmap[y, x]) * (float(up[i, k, y, x]) - center)) ** 2
                cs[name] = (center, sq / (den + 1e-5))
            fg += cs['fg'][1]
            bg += cs['bg'][1]
            dist += (cs['bg'][0] - cs['fg'][0]) * float(labels[i, k])
    n = len(keep) * c
    return fg / n, bg / n, dist / n


def test_relation_losses_equal_a_pixel_loop_with_the_w_squared_weight():
    from i2crc.models.relation import relation_losses
    g = torch.Generator().manual_seed(0)
    cam = torch.randn(3, 4, 3, 4, generator=g, dtype=torch.float64)
    sal = torch.rand(3, 6, 8, generator=g, dtype=torch.float64)
    labels = torch.tensor([[0, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 1]], dtype=torch.float64)
    out = relation_losses(cam, sal, labels)
    fg, bg, dist = _brute_force(cam, sal, labels)
    assert out['num_single'] == 2
    assert float(out['fg']) == pytest.approx(fg, rel=1e-10)
    assert float(out['bg']) == pytest.approx(bg, rel=1e-10)
    assert float(out['dist']) == pytest.approx(dist, rel=1e-10, abs=1e-12)
    # the weight enters squared: with w = s / 2 the squared sums drop 4x, the normaliser 2x
    half = relation_losses(cam, sal / 2, labels)['fg']
    up = F.interpolate(cam[[0, 2]], size=(6, 8), mode='bilinear', align_corners=False)
    s = sal[[0, 2]][:, None] / 2
    c = (up * s).sum((2, 3), keepdim=True) / (s.sum((2, 3), keepdim=True) + 1e-5)
    linear = ((s * (up - c) ** 2).sum((2, 3)) / (s.sum((2, 3)) + 1e-5)).mean()
    assert float(half) != pytest.approx(float(linear), rel=1e-3)


def test_distance_term_only_sees_the_ground_truth_channel_and_rewards_salient_activation():
    from i2crc.models.relation import relation_losses
    sal = torch.zeros(1, 8, 8, dtype=torch.float64)
    sal[:, 2:6, 2:6] = 1
    cam = torch.zeros(1, 3, 8, 8, dtype=torch.float64)
    cam[0, 1, 2:6, 2:6] = 4.0       # GT channel fires inside the salient square
    cam[0, 2] = torch.rand(8, 8)    # another channel: ignored by L_dist
    labels = torch.tensor([[0.0, 1.0, 0.0]])
    out = relation_losses(cam, sal, labels)
    # c_fg = 4 (to the 1e-5 of the normaliser), c_bg = 0: mean over 3 channels of -4
    assert float(out['dist']) == pytest.approx(-4.0 / 3, rel=1e-4)
    cam2 = cam.clone()
    cam2[0, 2] = 10 * torch.rand(8, 8)
    assert float(relation_losses(cam2, sal, labels)['dist']) == float(out['dist'])
    assert float(relation_losses(cam2, sal, labels)['fg']) != float(out['fg'])


def test_relation_losses_are_zero_without_single_label_images_and_have_gradients():
    from i2crc.models.relation import relation_losses
    cam = torch.randn(2, 3, 2, 2, dtype=torch.float64, requires_grad=True)
    sal = torch.rand(2, 4, 4, dtype=torch.float64)
    multi = torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    out = relation_losses(cam, sal, multi)
    assert out['num_single'] == 0 and float((out['fg'] + out['bg'] + out['dist']).detach()) == 0
    single = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])

    def total(x):
        o = relation_losses(x, sal, single)
        return o['fg'] + 2 * o['bg'] + 3 * o['dist']
    assert torch.autograd.gradcheck(total, (cam,))


def test_model_loss_has_the_paper_weights_and_needs_saliency():
    torch.manual_seed(0)
    net = _net()
    x = torch.randn(2, 3, 32, 32)
    samples = [dict(img_labels=torch.eye(20)[3], saliency=torch.rand(32, 32)),
               dict(img_labels=torch.eye(20)[5], saliency=torch.rand(32, 32))]
    losses = net(x, samples, mode='loss')
    from i2crc.models.relation import relation_losses
    cam = net.cam(x)
    rel = relation_losses(cam, torch.stack([s['saliency'] for s in samples]),
                          torch.stack([s['img_labels'] for s in samples]))
    for k, w in (('fg', 0.01), ('bg', 0.025), ('dist', 0.1)):
        torch.testing.assert_close(losses[f'loss_{k}'], w * rel[k])
    torch.testing.assert_close(losses['loss_cls'], F.multilabel_soft_margin_loss(
        cam.mean((2, 3)), torch.stack([s['img_labels'] for s in samples])))
    sum(losses.values()).backward()
    assert net.backbone.features[0].weight.grad.abs().sum() > 0
    with pytest.raises(KeyError, match='saliency'):
        net(x, [dict(img_labels=s['img_labels']) for s in samples], mode='loss')
    assert set(_net(relation=False)(x, [dict(img_labels=s['img_labels']) for s in samples],
                                    mode='loss')) == {'loss_cls'}


# -- label rules ------------------------------------------------------------------------------

def test_cam_maps_are_relu_max_normalised_truncated_uint8():
    from i2crc.labels import cam_maps
    cam = np.zeros((3, 2, 2), np.float32)
    cam[1] = [[-1.0, 0.5], [1.0, 2.0]]
    maps = cam_maps(cam, np.array([0, 1, 0], np.float32), (2, 2))
    assert list(maps) == [1]
    # relu -> [0, .5, 1, 2] / 2 -> [0, .25, .5, 1] * 255 truncated
    np.testing.assert_array_equal(maps[1], [[0, 63], [127, 255]])
    assert cam_maps(cam, [2], (4, 6))[2].shape == (4, 6)


def test_gen_gt_rules_by_hand():
    from i2crc.labels import gen_gt
    sal = np.zeros((4, 5), np.uint8)
    sal[:, 3:] = 255            # salient columns 3-4
    sal[0, 0] = 40              # weak saliency on a background pixel -> ignore
    a = np.zeros((4, 5), np.uint8)
    a[:, 3:] = 255              # class 2 (VOC id 3) on the salient part
    a[3, 2] = 100               # normalised 0.39: above 0.3, below 0.5
    b = np.zeros((4, 5), np.uint8)
    b[0, 3] = 255               # class 6 also > 0.9 at (0, 3): conflict
    label = gen_gt(sal, {2: a, 6: b})
    expected = np.zeros((4, 5), np.uint8)
    expected[:, 3:] = 3
    expected[0, 3] = 255        # conflict
    expected[0, 0] = 255        # bg with sal 40 >= 32
    expected[3, 2] = 3          # score 0.39 beats bg 1 - 0 = 1? no: bg is 1 there
    expected[3, 2] = 0          # (background score 1 > 0.39)
    np.testing.assert_array_equal(label, expected)
    # attention > 0.5 on a non-salient pixel labelled background -> ignore
    c = np.zeros((4, 5), np.uint8)
    c[:, 3:] = 255
    c[2, 0] = 200               # 0.78 > 0.5 but below the background score 1
    lab = gen_gt(sal, {2: c})
    assert lab[2, 0] == 255 and lab[1, 0] == 0
    # fewer than 1 % object pixels: everything ignored
    big = np.zeros((20, 20), np.uint8)
    tiny = np.zeros((20, 20), np.uint8)
    tiny[0, 0] = 255            # 1 of 400 pixels < 1 %... with sal 0 the bg score wins
    big[0, 0] = 255
    np.testing.assert_array_equal(gen_gt(big, {0: tiny}), np.full((20, 20), 255))


def test_label_refinement_rules_by_hand():
    from i2crc.labels import label_refinement
    pred = np.array([[0, 0, 1, 1],
                     [0, 0, 5, 5],
                     [7, 0, 0, 0]], np.uint8)
    init = np.array([[0, 255, 1, 1],
                     [5, 0, 5, 5],
                     [0, 0, 0, 5]], np.uint8)
    # classes 0 (id 1) and 4 (id 5): 7 is foreign -> 255; bg where init != 0 takes init
    np.testing.assert_array_equal(label_refinement(pred, init, [0, 4]),
                                  [[0, 255, 1, 1], [5, 0, 5, 5], [255, 0, 0, 5]])
    # single class (id 1): no background fill, 5 and 7 foreign -> 255
    np.testing.assert_array_equal(label_refinement(pred, init, [0]),
                                  [[0, 0, 1, 1], [0, 0, 255, 255], [255, 0, 0, 0]])
    # classes ids 1 and 3, 3 never predicted: background first takes the initial label
    # (which is taken as it is), then every remaining background pixel -> 255
    np.testing.assert_array_equal(label_refinement(pred, init, [0, 2]),
                                  [[255, 255, 1, 1], [5, 255, 255, 255], [255, 255, 255, 5]])
    # a multi-hot vector works as the class list
    np.testing.assert_array_equal(label_refinement(pred, init, np.eye(20, dtype=np.float32)[0]),
                                  label_refinement(pred, init, [0]))


def test_plain_cam_label_is_a_thresholded_argmax():
    from i2crc.labels import cam_label
    maps = {0: np.array([[0, 200]], np.uint8), 3: np.array([[150, 100]], np.uint8)}
    np.testing.assert_array_equal(cam_label(maps, (1, 2), 0.5), [[4, 1]])
    np.testing.assert_array_equal(cam_label(maps, (1, 2), 0.7), [[0, 1]])


# -- MSC segmentor ----------------------------------------------------------------------------

def _segmentor():
    from i2crc.testing import tiny_msc_segmentor
    return tiny_msc_segmentor()


def test_msc_fuses_by_max_and_sums_four_losses():
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    torch.manual_seed(0)
    seg = _segmentor().eval()
    x = torch.randn(2, 3, 65, 65)
    outs = seg.msc_logits(x)
    # 65 -> 33 -> 17 -> 9 (floor pools, torchvision's ResNet); 0.5: 32 -> 4; 0.75: 48 -> 6
    assert [tuple(o.shape[-2:]) for o in outs] == [(9, 9), (4, 4), (6, 6), (9, 9)]
    base = seg._logits(x)
    manual = torch.max(torch.stack([base] + [F.interpolate(
        seg._logits(F.interpolate(x, scale_factor=s, mode='bilinear', align_corners=False)),
        size=(9, 9), mode='bilinear', align_corners=False) for s in (0.5, 0.75)]), 0)[0]
    torch.testing.assert_close(outs[-1], manual)
    assert not torch.equal(outs[-1], base)  # the smaller scales win somewhere
    metas = [dict(img_shape=(65, 65), ori_shape=(65, 65))] * 2
    assert seg.encode_decode(x, metas).shape == (2, 21, 65, 65)
    samples = []
    for _ in range(2):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.randint(0, 21, (1, 65, 65)))
        samples.append(s)
    seg.train()
    losses = seg.loss(x, samples)
    assert set(losses) == {'loss_ce_s1', 'loss_ce_s0.5', 'loss_ce_s0.75', 'loss_ce_max'}
    sum(losses.values()).backward()
    assert seg.decode_head.aspp[0].weight.grad.abs().sum() > 0


# -- data -------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def voc(tmp_path_factory):
    from i2crc.datasets import make_synthetic
    return make_synthetic(str(tmp_path_factory.mktemp('voc')), num_train=4, num_val=1,
                          num_empty=1)


def test_synthetic_saliency_is_in_the_released_layout_and_follows_the_masks(voc):
    from cvshared.datasets.voc import read_voc_mask
    from i2crc.datasets import read_saliency
    name = '2000_000000'
    sal = read_saliency(osp.join(voc, 'saliency_aug', name + '.png'))
    mask = read_voc_mask(osp.join(voc, 'SegmentationClassAug', name + '.png'))
    assert sal.dtype == np.uint8 and sal.shape == mask.shape
    fg = (mask > 0) & (mask < 255)
    assert sal[fg].mean() > 200 and sal[mask == 0].mean() < 40
    assert osp.isfile(osp.join(voc, 'saliency_aug', '2000_900000.png'))  # empty images too


def test_dataset_adds_saliency_and_names_a_missing_map(voc, tmp_path):
    import shutil

    from i2crc.datasets import I2crcLoadSaliency, I2crcPackInputs, I2crcSaliencyDataset
    ds = I2crcSaliencyDataset(data_root=voc, ann_file='ImageSets/Segmentation/train.txt',
                              data_prefix=dict(seg_map_path=''), serialize_data=False)
    info = ds.get_data_info(0)
    assert info['sal_path'] == osp.join(voc, 'saliency_aug', info['img_name'] + '.png')
    res = I2crcLoadSaliency(size=(256, 256))(dict(info))
    assert res['saliency'].shape == (256, 256) and res['saliency'].max() <= 1.0
    assert res['saliency'].max() > 0.9
    packed = I2crcPackInputs()(dict(res, img=np.zeros((256, 256, 3), np.uint8)))
    assert packed['data_samples'].saliency.shape == (256, 256)
    broken = str(tmp_path / 'voc')
    shutil.copytree(voc, broken)
    missing = osp.join(broken, 'saliency_aug', info['img_name'] + '.png')
    import os
    os.remove(missing)
    with pytest.raises(FileNotFoundError, match=info['img_name']) as err:
        I2crcSaliencyDataset(data_root=broken, ann_file='ImageSets/Segmentation/train.txt',
                             data_prefix=dict(seg_map_path=''), serialize_data=False)
    assert 'saliency_aug/<name>.png' in str(err.value)
    with pytest.raises(KeyError, match='image-level label'):
        I2crcPackInputs()(dict(img=np.zeros((4, 4, 3), np.uint8), img_path='x.jpg'))


def test_make_labels_writes_official_files_and_scores_them(voc, tmp_path):
    from cvshared.wsss.export import read_label_png
    from i2crc import pipeline as P
    from i2crc.pipeline import _items
    items = _items(dict(data_root=voc, ann_file='ImageSets/Segmentation/train.txt'))
    torch.manual_seed(0)
    out = P.make_labels(_net(), items, out_dir=str(tmp_path / 'labels'),
                        cam_dir=str(tmp_path / 'cams'), input_size=64)
    assert set(out) == {'mIoU', 'cam_mIoU', 'cam_thr', 'ignored'}
    name = items[0]['img_name']
    classes = np.flatnonzero(items[0]['img_labels'])
    for c in classes:
        assert osp.isfile(tmp_path / 'cams' / f'{name}_{c}.png')
    assert read_label_png(str(tmp_path / 'labels' / f'{name}.png')).shape == (64, 64)


# -- converter and drawing --------------------------------------------------------------------

def test_converter_round_trip_and_official_checkpoint_layout():
    from i2crc.convert import convert, to_official
    net = _net()
    sd = net.state_dict()
    official = {'module.' + k: v for k, v in to_official(sd).items()}
    official['module.features.0.weight'] = sd['backbone.features.0.weight']
    back = convert({'epoch': 29, 'state_dict': official})
    assert back.keys() == sd.keys()
    assert all(torch.equal(back[k], sd[k]) for k in sd)
    tv = dict(to_official(sd), **{'classifier.0.weight': torch.zeros(1)})
    assert convert(tv).keys() == sd.keys()
    with pytest.raises(KeyError, match='fc.weight'):
        convert({'fc.weight': torch.zeros(1)})


def test_draw_sample_panels():
    from cvshared.wsss.draw import CAPTION_H
    from i2crc.hooks.visualization import draw_sample
    img = np.zeros((16, 20, 3), np.uint8)
    maps = {0: np.full((16, 20), 255, np.uint8), 4: np.zeros((16, 20), np.uint8)}
    label = np.zeros((16, 20), np.uint8)
    label[4:8, 4:8] = 1
    out = draw_sample(img, maps, np.full((16, 20), 128, np.uint8), label, label)
    assert out.shape == (16 + CAPTION_H, 20 * 6, 3)
    # the first CAM panel is hot (jet(1) = dark red), the second cold (jet(0) = dark blue)
    assert out[CAPTION_H + 8, 20 + 10, 0] > out[CAPTION_H + 8, 20 + 10, 2]
    assert out[CAPTION_H + 8, 40 + 10, 2] > out[CAPTION_H + 8, 40 + 10, 0]
    # a DeepLab sample: image | prediction | ground truth
    assert draw_sample(img, None, label=label, gt=label).shape == (16 + CAPTION_H, 60, 3)


# -- refinement stage pieces ------------------------------------------------------------------

def test_official_crf_image_reproduces_the_wrapped_mean_subtraction():
    from i2crc.pipeline import MEAN_BGR, official_crf_image
    rgb = np.array([[[200, 150, 110], [0, 0, 255]]], np.uint8)
    out = official_crf_image(rgb)
    bgr = rgb[..., ::-1].astype(np.float32) - MEAN_BGR
    np.testing.assert_array_equal(out[..., ::-1], bgr.astype(np.uint8))
    assert out[0, 0].tolist() == [77, 33, 5]   # 200 - 122.675, 150 - 116.669, 110 - 104.008


def test_crf_label_follows_the_image_edges():
    from i2crc.pipeline import crf_label
    img = np.zeros((24, 24, 3), np.uint8)
    img[:, 12:] = 255
    logits = torch.zeros(2, 3, 3)
    logits[1] = torch.tensor([-1.0, 0.3, 1.0])   # class 1 on the right, boundary at x ~ 10
    up = F.interpolate(logits[None], size=(24, 24), mode='bilinear', align_corners=False)[0]
    assert (up.argmax(0)[:, 10:12] == 1).all()   # without the CRF: off the edge at 12
    label = crf_label(img, logits, 'rgb')
    assert (label[:, 12:] == 1).all() and (label[:, :12] == 0).all()
    with pytest.raises(ValueError, match='image_mode'):
        crf_label(img, logits, 'lab')


def test_refine_labels_writes_the_refined_labels_and_names_a_missing_initial_label(voc,
                                                                                     tmp_path):
    from cvshared.wsss.export import read_label_png, save_label_png
    from i2crc import pipeline as P
    from i2crc.labels import label_refinement
    items = P._items(dict(data_root=voc, ann_file='ImageSets/Segmentation/train.txt'))
    init_dir = tmp_path / 'init'
    init_dir.mkdir()
    for it in items:
        save_label_png(str(init_dir / (it['img_name'] + '.png')), np.ones((64, 64), np.uint8))
    pred = np.zeros((64, 64), np.uint8)
    pred[10:30, 10:30] = 2
    out = P.refine_labels(lambda path: pred, items, str(init_dir), str(tmp_path / 'out'))
    assert set(out) == {'mIoU', 'init_mIoU'}
    it = items[0]
    np.testing.assert_array_equal(read_label_png(str(tmp_path / 'out' / (it['img_name'] + '.png'))),
                                  label_refinement(pred, np.ones((64, 64)), it['img_labels']))
    (init_dir / (items[1]['img_name'] + '.png')).unlink()
    with pytest.raises(FileNotFoundError, match='make_labels'):
        P.refine_labels(lambda path: pred, items, str(init_dir), str(tmp_path / 'out'))


def test_msc_label_resize_equals_the_official_pil_nearest():
    """The official ``resize_labels``: PIL ``NEAREST`` of the crop's labels to each output's
    size; ours ``nearest-exact``. Equal at the VOC crop's output sizes (321 at scales 1, 0.5,
    0.75 -> 41, 20, 30)."""
    from PIL import Image
    rng = np.random.default_rng(0)
    lab = rng.integers(0, 21, (321, 321)).astype(np.float32)
    for size in (41, 20, 30):
        pil = np.asarray(Image.fromarray(lab).resize((size, size), resample=Image.NEAREST))
        ours = F.interpolate(torch.from_numpy(lab)[None, None], size=(size, size),
                             mode='nearest-exact')[0, 0].numpy()
        np.testing.assert_array_equal(ours, pil)
        plain = F.interpolate(torch.from_numpy(lab)[None, None], size=(size, size),
                              mode='nearest')[0, 0].numpy()
        assert not np.array_equal(plain, pil)   # torch's 'nearest' would not be


def test_color_jitter_is_torchvision_on_the_rgb_view():
    from i2crc.datasets import I2crcColorJitter
    rng = np.random.default_rng(1)
    bgr = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    same = I2crcColorJitter(0, 0, 0, 0)(dict(img=bgr.copy()))['img']
    np.testing.assert_array_equal(same, bgr)
    torch.manual_seed(0)
    out = I2crcColorJitter(brightness=(0.5, 0.5), contrast=0, saturation=0, hue=0)(
        dict(img=bgr.copy()))['img']
    assert out.dtype == np.uint8 and out.shape == bgr.shape
    # brightness 0.5 halves every channel (torchvision's blend with black, rounded down)
    np.testing.assert_allclose(out.astype(int), bgr.astype(int) // 2, atol=1)
