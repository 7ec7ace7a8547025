"""IRN's data transforms, the CAM / IRNet predictions, the configs' optimisation, the mean-shift
hook, the drawing hook and the inferencer (the shapes and errors of the pipeline's parts; the
models' numerics are in test_golden.py)."""
import os.path as osp

import numpy as np
import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CAM_SYN = 'configs/irn/irn-cam_r18-tiny_1xb8-40e_synthetic.py'
IRN_SYN = 'configs/irn/irn-irnet_r18-tiny_1xb8-30e_synthetic.py'
TINY = dict(depth=18, base_channels=8, stem_channels=8, norm_eval=False, frozen_stages=-1,
            detach=(), init_cfg=None)


def test_random_crop_pads_with_the_mean_colour_and_ignore():
    from irn.datasets import IrnRandomCrop
    from irn.datasets.transforms import MEAN_BGR
    img = np.full((10, 30, 3), 7, np.uint8)
    label = np.ones((10, 30), np.uint8)
    np.random.seed(0)
    out = IrnRandomCrop(crop_size=16)(dict(img=img, ir_label=label))
    assert out['img'].shape == (16, 16, 3) and out['ir_label'].shape == (16, 16)
    content = out['ir_label'] == 1
    assert content.sum() == 10 * 16   # all 10 rows of a 16-wide window
    assert (out['img'][content] == 7).all()
    assert (out['img'][~content] == np.asarray(MEAN_BGR).astype(np.uint8)).all()
    assert (out['ir_label'][~content] == 255).all()


def test_pair_labels_of_a_two_region_label():
    """Class 1 on the right half, background on the left, an unsure (255) column between:
    no pair touches the 255 column, pairs inside one side are positive, crossing ones negative."""
    from irn.datasets import IrnPairLabels
    label = np.zeros((32, 32), np.uint8)
    label[:, 16:] = 1
    label[:, 12:16] = 255          # the stride-4 node column 3 becomes 255
    t = IrnPairLabels(radius=3, crop_size=32)
    out = t(dict(ir_label=label, img_path='x'))
    idx = t.path_index
    w = 8
    src_col = (idx.src_indices % w).unsqueeze(0).expand_as(idx.dst_indices)
    dst_col = idx.dst_indices % w
    bg, fg, neg = out['aff_bg_pos'], out['aff_fg_pos'], out['aff_neg']
    touches = (src_col == 3) | (dst_col == 3)
    assert bg[touches].sum() == fg[touches].sum() == neg[touches].sum() == 0
    left, right = (src_col < 3) & (dst_col < 3), (src_col > 3) & (dst_col > 3)
    assert (bg[left] == 1).all() and (fg[right] == 1).all()
    crossing = ((src_col < 3) & (dst_col > 3)) | ((src_col > 3) & (dst_col < 3))
    assert crossing.any() and (neg[crossing] == 1).all()
    with pytest.raises(ValueError, match='IrnRandomCrop'):
        t(dict(ir_label=label[:16], img_path='x'))


def test_pack_and_load_errors(tmp_path):
    from irn.datasets import IrnLoadIRLabel, IrnPackInputs
    img = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(KeyError, match='a.jpg.*image-level label'):
        IrnPackInputs()(dict(img=img, img_path='a.jpg'))
    packed = IrnPackInputs()(dict(img=img, img_path='a.jpg', img_labels=np.eye(20)[3]))
    assert packed['inputs'].shape == (3, 8, 8)
    assert packed['data_samples'].label.argmax() == 3
    with pytest.raises(FileNotFoundError, match='run the cam_to_ir_label stage first'):
        IrnLoadIRLabel(str(tmp_path))(dict(img=img, img_name='a'))
    from PIL import Image
    Image.fromarray(np.zeros((4, 8), np.uint8)).save(tmp_path / 'a.png')
    with pytest.raises(ValueError, match='is 4x8 but its image is 8x8'):
        IrnLoadIRLabel(str(tmp_path))(dict(img=img, img_name='a'))


def test_cam_net_predict_gives_the_cam_only_label():
    from irn.models import IrnCAMNet
    torch.manual_seed(0)
    net = IrnCAMNet(backbone=TINY, num_classes=20).eval()
    x = torch.randn(1, 3, 64, 64)
    lab = torch.zeros(20)
    lab[[2, 5]] = 1
    out = net(x, [dict(label=lab, ori_shape=(60, 64), gt_seg_map=np.zeros((60, 64)))],
              mode='predict')[0]
    assert out['keys'].tolist() == [2, 5] and out['cams'].shape == (2, 60, 64)
    assert out['pred'].shape == (60, 64) and out['gt'].shape == (60, 64)
    cams = out['cams']
    expect = torch.where(cams.max(0).values > 0.15, cams.argmax(0) * 3 + 3, 0)  # ids 3, 6
    assert torch.equal(out['pred'], expect)


def test_irnet_predict_walks_the_cams():
    from irn.labels import sem_seg_label
    from irn.models import IrnNet
    from irn.models.irnet import edge_displacement
    torch.manual_seed(0)
    net = IrnNet(backbone=TINY, radius=5, crop_size=64, freeze_backbone=False).eval()
    x = torch.randn(1, 3, 64, 64)
    cams = torch.rand(1, 16, 16)
    out = net(x, [dict(cams=cams, cam_keys=np.array([4]), ori_shape=(64, 64))],
              mode='predict')[0]
    edge, _ = edge_displacement(net, x[0], crop_size=64)
    assert torch.allclose(out['edge'], edge)
    label, _ = sem_seg_label(cams, np.array([4]), edge, (64, 64))
    assert np.array_equal(out['pred'].numpy(), label)
    assert set(np.unique(label)) <= {0, 5}


@pytest.mark.parametrize('config, net', [
    ('configs/irn/irn-cam_r50_1xb16-5e_voc12aug-512x512.py', 'cam'),
    ('configs/irn/irn-irnet_r50_1xb32-3e_voc12aug-512x512.py', 'irn')])
def test_configs_use_irn_optim(config, net):
    """The paper configs' optimiser is irn.optim's, with the official momentum quirk (1e-4)."""
    from cvshared.engine.launch import load_config
    from irn.optim import optim_wrapper, poly_scheduler
    cfg = load_config(osp.join(REPO, config), data_root='/nonexistent')
    assert cfg.official_momentum is True
    assert cfg.optim_wrapper.to_dict() == optim_wrapper(net, lr=0.1, weight_decay=1e-4,
                                                        official_momentum=True)
    assert cfg.param_scheduler == poly_scheduler(cfg.max_epochs)
    assert cfg.train_dataloader.batch_size == (16 if net == 'cam' else 32)


def test_mean_shift_hook_runs_after_the_last_epoch_only():
    from irn.hooks import MeanShiftHook
    from irn.models import IrnNet
    torch.manual_seed(0)
    net = IrnNet(backbone=TINY, radius=5, crop_size=64, freeze_backbone=False)

    class Runner:
        model, max_epochs, epoch = net, 3, 1
        train_dataloader = [dict(inputs=torch.randn(2, 3, 64, 64))]
        logger = type('L', (), {'info': staticmethod(lambda msg: None)})

    runner = Runner()
    MeanShiftHook().after_train_epoch(runner)
    assert net.mean_shift.running_mean.abs().sum() == 0     # not the last epoch
    runner.epoch = 2
    MeanShiftHook().after_train_epoch(runner)
    with torch.no_grad():
        net.mean_shift.running_mean.zero_()
        net.eval()
        expect = net.branches(runner.train_dataloader[0]['inputs'])[1].mean(dim=(0, 2, 3))
    MeanShiftHook().after_train_epoch(runner)
    assert torch.allclose(net.mean_shift.running_mean, expect)
    assert expect.abs().sum() > 0


def test_draw_sample_panels():
    from cvshared.wsss.draw import CAPTION_H, heat_overlay
    from irn.hooks import draw_sample
    img = np.zeros((16, 20, 3), np.uint8)
    edge = np.zeros((1, 4, 5), np.float32)
    edge[0, 2] = 1.0
    det = dict(score=np.array([0.9]), mask=np.ones((1, 16, 20), bool))
    pic = draw_sample(img, np.random.rand(1, 4, 5), np.zeros((16, 20), np.int64), edge=edge,
                      gt=np.zeros((16, 20), np.uint8), det=det)
    # image | CAM | random walk | pseudo label | ground truth | boundary | instances
    assert pic.shape == (16 + CAPTION_H, 7 * 20, 3)
    boundary = pic[CAPTION_H:, 5 * 20:6 * 20]
    from irn.hooks.visualization import _full
    assert np.array_equal(boundary, heat_overlay(img, _full(edge, (16, 20))[0]))
    assert (pic[CAPTION_H:, 6 * 20:] != 0).any(axis=-1).all()   # the instance covers all


def test_inferencer_uses_both_checkpoints(tmp_path):
    """IRN's inferencer on a synthetic image with checkpoints of the synthetic configs' models:
    its pseudo label is the random walk of the CAM net's CAMs on IRNet's boundary (the weights
    of the checkpoints, not new ones); the picture and the label PNG are written."""
    from cvshared.engine.launch import drop_pretrained, load_config
    from cvshared.wsss.cam import multiscale_cam
    from irn.datasets import make_synthetic
    from irn.infer import INFERENCER
    from irn.labels import sem_seg_label
    from irn.pipeline import boundary_and_displacement, normalize, read_rgb
    from irn.registry import MODELS
    from mmengine.registry import DefaultScope
    root = make_synthetic(str(tmp_path / 'voc'), num_train=1, num_val=0)
    image = osp.join(root, 'JPEGImages', '2000_000000.jpg')
    torch.manual_seed(0)
    models = {}
    with DefaultScope.overwrite_default_scope('mmseg'):
        for name, config in (('cam', CAM_SYN), ('irn', IRN_SYN)):
            cfg = load_config(osp.join(REPO, config))
            drop_pretrained(cfg.model)
            models[name] = MODELS.build(cfg.model).eval()
            torch.save(dict(state_dict=models[name].state_dict()), tmp_path / f'{name}.pth')
    with torch.no_grad():  # the classifier decides the classes: make class 0 present
        models['cam'].classifier.weight.zero_()
        models['cam'].classifier.weight[0] = 1.0
    torch.save(dict(state_dict=models['cam'].state_dict()), tmp_path / 'cam.pth')
    inf = INFERENCER(osp.join(REPO, IRN_SYN), str(tmp_path / 'irn.pth'),
                     cam_config=CAM_SYN, cam_checkpoint=str(tmp_path / 'cam.pth'))
    res = inf([image], out_dir=str(tmp_path / 'out'))['results'][0]
    img = read_rgb(image)
    x = torch.from_numpy(img).permute(2, 0, 1)
    with torch.no_grad():
        label = (torch.sigmoid(models['cam'].logits(normalize(x)[None]))[0] >= 0.5).float()
        cam = multiscale_cam(models['cam'].cam, x, variant='irn', label=label,
                             normalize=normalize)
        edge, _ = boundary_and_displacement(models['irn'], img, models['irn'].crop_size)
    expect, _ = sem_seg_label(cam['cam'], cam['keys'], edge, img.shape[:2])
    assert res['classes'] == cam['keys'].tolist() and 0 in res['classes']
    assert np.array_equal(np.asarray(res['sem_label']), expect)
    assert [osp.basename(f) for f in res['files']] == ['2000_000000.png', '2000_000000_sem.png']
    with pytest.raises(FileNotFoundError, match='run the train_cam stage first'):
        INFERENCER(osp.join(REPO, IRN_SYN), str(tmp_path / 'irn.pth'), cam_config=CAM_SYN,
                   cam_checkpoint=str(tmp_path / 'none.pth'))


def test_check_data_shows_the_voc_tree(tmp_path):
    from irn.paper import SPEC
    with pytest.raises(FileNotFoundError) as err:
        SPEC.check_data(str(tmp_path / 'none'), 'voc12_deeplab')
    assert 'SegmentationObject/<name>.png' in str(err.value)
    assert str(tmp_path / 'none') in str(err.value)
