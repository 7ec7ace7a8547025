"""Shapes, gradients, the loss, the test-time flip, the CRF, the converter, bad inputs and the
drawing of hcpn (small ResNet-18 stand-in streams; the ResNet-101 path is in test_golden)."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden')
SMALL = dict(type='ResNet', depth=18, base_channels=8, stem_channels=8, zero_init_residual=False)


@pytest.fixture(autouse=True)
def _mmseg_scope():
    init_default_scope('mmseg')
    torch.manual_seed(0)


def _model(**kwargs):
    from hcpn.models import HCPN
    return HCPN(encoder=dict(type='HCPNEncoder', backbone=SMALL),
                decoder=dict(type='HCPNDecoder', mdim=16), **kwargs)


def test_shapes_and_gradients_reach_every_stream():
    model = _model()
    assert model.encoder.out_channels == [16, 32, 64, 128]   # 2 C_l of ResNet-18 (base 8)
    x = torch.randn(2, 9, 64, 64, requires_grad=True)
    m1, c1, m2, c2 = model._forward(x)
    for out in (m1, c1, m2, c2):
        assert out.shape == (2, 1, 64, 64) and 0 < out.min() and out.max() < 1
    (m1.sum() + c1.sum() + m2.sum() + c2.sum()).backward()
    grad = x.grad.abs().flatten(2).sum(-1)  # per input channel
    assert (grad > 0).all()  # frame k, frame k+1 and the flow image all matter
    for name in ('image1', 'image2', 'flow'):
        assert getattr(model.encoder, name).conv1.weight.grad.abs().sum() > 0
    assert model.encoder.pcm['5'].sa.c_f1.weight.grad.abs().sum() > 0
    assert model.encoder.ccm['3'].gct.gamma.grad is not None


def test_image_node_takes_the_flow_side_co_attention():
    """h_i <- ReLU(Zb_i + h_i): the image node adds the FLOW-side PCM output (official)."""
    from hcpn.models import HCPNEncoder
    enc = HCPNEncoder(backbone=SMALL).eval()
    h1, h2, hf = (torch.rand(1, 16, 8, 8) for _ in range(3))
    pcm, ccm = enc.pcm['3'], enc.ccm['3']
    n1, n2, nf = enc.interact(3, h1, h2, hf)
    za1, zb1, qa1, qb1 = pcm(h1, hf)
    _, zb2, _, qb2 = pcm(h2, hf)
    torch.testing.assert_close(n1, torch.relu(zb1 + h1), rtol=0, atol=0)
    torch.testing.assert_close(n2, torch.relu(zb2 + h2), rtol=0, atol=0)
    torch.testing.assert_close(nf, torch.relu(ccm(qb1, qb2) + hf), rtol=0, atol=0)
    assert not torch.allclose(n1, torch.relu(za1 + h1))  # the other choice differs


def test_mask_is_not_multiplied_by_the_contour():
    """HCPN (unlike HGPU) keeps mask and contour separate: changing the contour fusion conv
    moves c_i and leaves the masks unchanged."""
    model = _model().eval()
    x = torch.randn(1, 9, 64, 64)
    with torch.no_grad():
        m1, c1, m2, c2 = model._forward(x)
        model.decoder.contour_fuse.bias.add_(1.0)
        n1, d1, n2, d2 = model._forward(x)
    torch.testing.assert_close(n1, m1, rtol=0, atol=0)
    torch.testing.assert_close(n2, m2, rtol=0, atol=0)
    assert (d1 - c1).abs().min() > 0.01


def test_loss_is_the_papers_combination():
    """L = 1/2 (BCE_w(m1) + BCE_w(m2)) + 0.5 * 1/2 (BCE_w(c1) + BCE_w(c2)), against
    F.binary_cross_entropy with the weights, each frame's weight for its mask and contour."""
    import torch.nn.functional as F
    model = _model()
    g = torch.Generator().manual_seed(1)
    shape = (2, 1, 8, 8)
    outputs = [torch.rand(shape, generator=g).clamp(0.05, 0.95) for _ in range(4)]
    t = {k: (torch.rand(shape, generator=g) > 0.5).float()
         for k in ('mask1', 'ctr1', 'mask2', 'ctr2')}
    t['weight1'], t['weight2'] = 1 + torch.rand(shape, generator=g), 1 + torch.rand(shape,
                                                                                   generator=g)
    losses = model.loss_from_outputs(outputs, t)
    m1, c1, m2, c2 = outputs

    def bce(p, y, w):
        return F.binary_cross_entropy(p, y, weight=w)

    mask = 0.5 * (bce(m1, t['mask1'], t['weight1']) + bce(m2, t['mask2'], t['weight2']))
    ctr = 0.5 * (bce(c1, t['ctr1'], t['weight1']) + bce(c2, t['ctr2'], t['weight2']))
    torch.testing.assert_close(losses['loss_mask'], mask, rtol=1e-6, atol=0)
    torch.testing.assert_close(losses['loss_contour'], 0.5 * ctr, rtol=1e-6, atol=0)


def _randomised(model):
    """The decoder's official N(0, 0.001) init gives ~0.5 everywhere: PyTorch's default init
    instead, so that predictions depend on the input."""
    for m in model.decoder.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.reset_parameters()
    return model


def test_flip_test_averages_the_flipped_prediction():
    model = _randomised(_model(flip_test=True)).eval()
    x = torch.randn(1, 9, 64, 64)
    with torch.no_grad():
        plain = model._forward(x)[0]
        flipped = model._forward(x.flip(-1))[0].flip(-1)
        tta = model.encode_decode(x)
    torch.testing.assert_close(tta, 0.5 * (plain + flipped), rtol=0, atol=1e-7)
    assert (plain - flipped).abs().max() > 1e-4  # the flip does change the prediction


def test_predict_fills_mask_and_contour_at_the_original_size():
    from mmseg.structures import SegDataSample
    model = _randomised(_model(flip_test=False)).eval()
    x = torch.randn(1, 9, 64, 64)
    sample = SegDataSample(metainfo=dict(ori_shape=(48, 80), img_shape=(64, 64),
                                         padding_size=[0, 0, 0, 0]))
    with torch.no_grad():
        out = model.predict(x, [sample])[0]
        prob = model._forward(x)[0]
    assert out.pred_sem_seg.data.shape == (1, 48, 80)
    assert out.pred_contour.data.shape == (1, 48, 80)
    resized = torch.nn.functional.interpolate(prob, (48, 80), mode='bilinear')[0, 0]
    torch.testing.assert_close(out.seg_logits.data[1], resized, rtol=0, atol=1e-6)
    assert torch.equal(out.pred_sem_seg.data[0].bool(), resized > 0.5)


def test_bad_inputs_name_the_problem():
    model = _model()
    with pytest.raises(ValueError, match='9 x H x W'):
        model._forward(torch.randn(1, 6, 64, 64))
    from mmseg.structures import SegDataSample
    with pytest.raises(KeyError, match='gt_sem_seg'):
        model.loss(torch.randn(1, 9, 64, 64), [SegDataSample()])
    from hcpn.models import HCPN
    with pytest.raises(ValueError, match='in_channels'):
        HCPN(encoder=dict(type='HCPNEncoder', backbone=SMALL),
             decoder=dict(type='HCPNDecoder', in_channels=(1, 2, 3, 4)))


def test_crf_follows_the_image_edges():
    """A blurred, shifted probability map snaps to the object of the image (and keeps the
    official label order: label 1 = object)."""
    from hcpn.models import davis_crf
    image = np.zeros((40, 40, 3), np.uint8)
    image[10:30, 12:28] = 220
    truth = image[..., 0] > 0
    yy, xx = np.mgrid[0:40, 0:40]
    prob = 1 / (1 + np.exp(-(8 - np.maximum(np.abs(yy - 21), np.abs(xx - 21))) / 2.0))
    before = ((prob > 0.5) != truth).sum()
    after = (davis_crf(image, prob) != truth).sum()
    assert after < before / 2, (before, after)
    assert not davis_crf(image, np.zeros((40, 40))).any()
    with pytest.raises(ValueError, match='differ in size'):
        davis_crf(image, prob[:30])


def test_convert_maps_every_official_key_and_round_trips():
    """Every key of the official ResNet-101 EncoderNet / DecoderNet state dict (golden key
    list) maps onto our model, the unused official modules are dropped by name, anything
    else is an error, and to_official inverts convert."""
    from hcpn.convert import UNUSED, convert, to_official
    from hcpn.models import HCPN
    with open(osp.join(GOLDEN, 'official_keys.json')) as f:
        keys = json.load(f)
    official = {'module.' + k: torch.zeros(s) if len(s) else torch.zeros(())
                for part in keys.values() for k, s in part}
    with torch.device('meta'):
        model = HCPN(encoder=dict(type='HCPNEncoder', backbone=dict(type='ResNet', depth=101)),
                     decoder=dict(type='HCPNDecoder'))
    ours = model.state_dict()
    converted = convert(official)
    assert set(converted) == set(ours)
    assert all(converted[k].shape == ours[k].shape for k in ours)
    back = to_official(converted)
    dropped = {k.removeprefix('module.') for k in official} - set(back['encoder']) \
        - set(back['decoder'])
    assert dropped and all(k.startswith(UNUSED) for k in dropped)
    assert convert(back).keys() == converted.keys()
    assert convert({'encoder': back['encoder'], 'decoder': back['decoder']}).keys() \
        == converted.keys()
    with pytest.raises(KeyError, match='unexpected.weight'):
        convert({'unexpected.weight': torch.zeros(1)})


def test_draw_sample_overlays_mask_contour_and_truth():
    from hcpn.hooks import draw_sample
    frame = np.full((12, 12, 3), 100, np.uint8)
    pred = np.zeros((12, 12), bool)
    pred[2:6, 2:6] = True
    contour = np.zeros((12, 12))
    contour[8, 8] = 0.9
    gt = np.zeros((12, 12), np.uint8)
    gt[1:11, 1:11] = 1
    out = draw_sample(frame, pred, contour, gt)
    assert tuple(out[3, 3]) == (50, 50, 177)   # mask: half red
    assert tuple(out[8, 8]) == (0, 255, 255)   # contour: yellow
    from cvshared.metrics.davis import seg2bmap
    boundary = seg2bmap(gt > 0)
    assert boundary.sum() > 20 and (out[boundary] == (0, 255, 0)).all()  # green boundary
    assert tuple(out[7, 3]) == (100, 100, 100) and frame.max() == 100
    with pytest.raises(ValueError, match='contour'):
        draw_sample(frame, pred, contour[:5])


def test_inferencer_loads_the_checkpoint_and_draws(tmp_path):
    """tools/infer.py path: FRAME:NEXT:FLOW through the synthetic config's test pipeline with
    the checkpoint's weights (not fresh ones), mask and overlay written."""
    import glob

    from cvshared.datasets.davis_synthetic import make_davis_synthetic
    from hcpn.infer import INFERENCER
    from hcpn.registry import MODELS
    from mmengine.config import Config
    from PIL import Image
    repo = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    config = osp.join(repo, 'configs', 'hcpn', 'hcpn_r18-standin_1xb4-300it_synthetic.py')
    make_davis_synthetic(str(tmp_path / 'd'), num_train=1, num_val=1, num_frames=2,
                         frame_pairs=True)
    seq = tmp_path / 'd' / 'JPEGImages' / '480p' / 'synth-val-000'
    flow = glob.glob(str(tmp_path / 'd' / 'davis-flow' / 'synth-val-000' / '*.png'))[0]
    item = f'{seq / "00000.jpg"}:{seq / "00001.jpg"}:{flow}'
    model = _randomised(MODELS.build(Config.fromfile(config).model)).eval()
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'model.pth')
    payload = INFERENCER(config, str(tmp_path / 'model.pth'), threshold=0.5)(
        [item], out_dir=str(tmp_path / 'o'))
    result = payload['results'][0]
    frames = [np.asarray(Image.open(p).convert('RGB')) for p in item.split(':')]
    x = torch.from_numpy(np.concatenate(frames, -1)).permute(2, 0, 1).float()[None]
    data = model.data_preprocessor(dict(inputs=[x[0]], data_samples=None), False)
    with torch.no_grad():
        expected = model._forward(data['inputs'])[0][0, 0] > 0.5
    assert result['foreground'] == pytest.approx(float(expected.float().mean()), abs=1e-6)
    mask = np.asarray(Image.open(result['files'][0])) > 0
    assert mask.shape == (64, 64) and (mask == expected.numpy()).all()
    with pytest.raises(ValueError, match='FRAME:NEXT_FRAME:FLOW'):
        INFERENCER(config, str(tmp_path / 'model.pth'))([str(seq / '00000.jpg')])


def test_converter_cli_merges_the_two_official_files(tmp_path):
    """tools/model_converters/hcpn_official_to_ours.py ENCODER OUT --decoder DECODER (the
    official script saves encoder_<e>.pt and decoder_<e>.pt), and --torchvision."""
    from cvshared.checkpoint import converter_main, load_checkpoint_file
    from hcpn.convert import convert
    enc = {'module.res2_1.0.conv1.weight': torch.ones(2), 'gated_res3.alpha': torch.ones(3)}
    dec = {'pred2.weight': torch.zeros(1), 'pred3.weight': torch.zeros(1)}
    torch.save(enc, tmp_path / 'encoder_1.pt')
    torch.save(dec, tmp_path / 'decoder_1.pt')
    converter_main(convert, argv=[str(tmp_path / 'encoder_1.pt'), str(tmp_path / 'o.pth'),
                                  '--decoder', str(tmp_path / 'decoder_1.pt')])
    state = load_checkpoint_file(str(tmp_path / 'o.pth'))['state_dict']
    assert sorted(state) == ['decoder.pred.weight', 'encoder.gac.3.alpha',
                             'encoder.image1.layer1.0.conv1.weight']
    tv = convert({'conv1.weight': torch.ones(1), 'fc.weight': torch.ones(1)}, torchvision=True)
    assert list(tv) == ['conv1.weight']


def test_predict_with_crf_refines_on_the_original_frame(tmp_path):
    import mmcv
    from hcpn.models import davis_crf
    from mmseg.structures import SegDataSample
    frame = (np.random.default_rng(0).random((40, 48, 3)) * 255).astype(np.uint8)
    mmcv.imwrite(frame[..., ::-1], str(tmp_path / 'f.png'))  # RGB frame written as BGR file
    model = _randomised(_model(flip_test=False, crf=True)).eval()
    sample = SegDataSample(metainfo=dict(ori_shape=(40, 48), img_shape=(64, 64),
                                         img_path=str(tmp_path / 'f.png')))
    with torch.no_grad():
        out = model.predict(torch.randn(1, 9, 64, 64), [sample])[0]
    expected = davis_crf(frame, out.seg_logits.data[1].numpy().clip(0, 1))
    assert np.array_equal(out.pred_sem_seg.data[0].numpy().astype(bool), expected)
    with pytest.raises(KeyError, match='img_path'):
        model.predict(torch.randn(1, 9, 64, 64),
                      [SegDataSample(metainfo=dict(ori_shape=(40, 48)))])


def test_config_data_errors_name_the_video(tmp_path):
    """Through the synthetic config's training set: a flow folder with another frame count and
    a mask with three labels are errors naming the video (shared frame-pair data)."""
    import glob
    import os

    import cv2
    from cvshared.datasets.davis_synthetic import make_davis_synthetic
    from hcpn.registry import DATASETS
    from mmengine.config import Config
    repo = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    cfg = Config.fromfile(osp.join(repo, 'configs', 'hcpn',
                                   'hcpn_r18-standin_1xb4-300it_synthetic.py'))
    root = str(tmp_path / 'd')
    make_davis_synthetic(root, num_train=1, num_val=1, num_frames=3, frame_pairs=True)
    data = dict(cfg.train_dataloader.dataset, data_root=root)
    mask = sorted(glob.glob(f'{root}/Annotations/480p/synth-train-000/*.png'))[0]
    labels = cv2.imread(mask, cv2.IMREAD_UNCHANGED)
    labels[:2, :2] = 128
    cv2.imwrite(mask, labels)
    with pytest.raises(ValueError, match='synth-train-000'):
        DATASETS.build(data)[0]
    os.remove(sorted(glob.glob(f'{root}/davis-flow/synth-train-000/*.png'))[-1])
    with pytest.raises((ValueError, FileNotFoundError), match='synth-train-000'):
        DATASETS.build(data)
