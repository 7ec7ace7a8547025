"""Shapes, gradients and stated properties of the encoder (E5, E6), decoder (E7) and inference
(E8); the video stage's reading, rejection and errors; data layout errors; converter; drawing."""
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F

TINY = dict(arch=(1, 1, 1), widths=(8, 16, 24), num_pools=2)


def tiny_segmentor(**kw):
    from webvideo_wsss.models import WebVideoSegmentor
    torch.manual_seed(0)
    return WebVideoSegmentor(encoder=dict(backbone=TINY, num_classes=3), **kw)


def test_encoder_logits_are_the_mean_of_the_class_maps_and_cams_peak_at_one():
    from webvideo_wsss.models import WebVideoEncoder, normalize_cam
    torch.manual_seed(0)
    enc = WebVideoEncoder(backbone=TINY, num_classes=3)
    with torch.no_grad():
        enc.classifier.weight.normal_()  # maps of order 1 (the 1e-5 of E6 is then negligible)
    x = torch.randn(2, 3, 30, 34)
    f = enc.encode(x)[0]
    raw = F.conv2d(f, enc.classifier.weight)  # before the ReLU
    torch.testing.assert_close(enc.logits(x), raw.mean((2, 3)), rtol=1e-5, atol=1e-6)
    cam = normalize_cam(enc.cam(x))
    assert cam.shape == (2, 3, 7, 8)
    torch.testing.assert_close(cam.flatten(2).max(-1)[0], torch.ones(2, 3), atol=1e-4, rtol=0)
    loss = enc(x, [dict(img_labels=np.array([1, 0, 1.0])), dict(img_labels=np.zeros(3))],
               mode='loss')['loss_cls']
    loss.backward()
    assert enc.classifier.weight.grad.abs().sum() > 0
    assert enc.backbone.features[0].weight.grad.abs().sum() > 0


def test_encoder_loss_names_an_image_without_label():
    from webvideo_wsss.models import WebVideoEncoder
    enc = WebVideoEncoder(backbone=TINY, num_classes=3)
    with pytest.raises(ValueError, match='a.jpg'):
        enc(torch.randn(1, 3, 16, 16), [dict(img_path='a.jpg')], mode='loss')


def test_decoder_restores_the_input_size_and_uses_the_pool_switches():
    seg = tiny_segmentor()
    x = torch.randn(2, 3, 31, 45)  # odd sizes: MaxUnpool2d needs the pre-pool sizes
    f, sw, sz = seg.encoder.encode(x)
    a = torch.rand(2, *f.shape[-2:])
    out = seg.decode(f, sw, sz, a)
    assert out.shape == (2, 2, 31, 45)
    other = [torch.zeros_like(s) for s in sw]  # every switch at the window's first position
    assert not torch.allclose(seg.decode(f, other, sz, a), out)
    # E7: the activation is the features times the map, so a zero map kills the input
    zero = seg.decode(f, sw, sz, torch.zeros_like(a))
    torch.testing.assert_close(zero, seg.decode(torch.zeros_like(f), sw, sz, a))


def test_decoder_mirrors_vgg16_like_transfernet():
    from webvideo_wsss.models import WebVideoDecoder
    dec = WebVideoDecoder()
    widths = [m.out_channels for m in dec.modules() if isinstance(m, torch.nn.Conv2d)]
    assert widths == [512, 512, 512, 256, 256, 256, 128, 128, 64, 64, 64, 2]


def test_frozen_encoder_gets_no_gradient_and_stays_in_eval():
    seg = tiny_segmentor()
    seg.train()
    assert not seg.encoder.training
    x = torch.randn(2, 3, 32, 32)
    masks = torch.randint(0, 2, (2, 32, 32))
    masks[0, :4] = 255
    loss = seg(x, [dict(cls=0, gt_mask=masks[0]), dict(cls=2, gt_mask=masks[1])], mode='loss')
    loss['loss_seg'].backward()
    assert all(p.grad is None for p in seg.encoder.parameters())
    assert seg.decoder.score.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='outside'):
        seg(x, [dict(cls=5, gt_mask=masks[0]), dict(cls=0, gt_mask=masks[1])], mode='loss')


def test_label_from_probs_is_background_below_the_threshold_and_argmax_above():
    from webvideo_wsss.models import label_from_probs
    p = torch.zeros(2, 2, 3)
    p[0, 0, 0], p[1, 0, 0] = 0.9, 0.7   # class 4 wins
    p[1, 1, 1] = 0.6                    # only class 7 above 0.5
    p[0, 1, 2] = 0.4                    # below: background
    lab = label_from_probs(p, torch.tensor([4, 7]), 0.5)
    assert lab.tolist() == [[5, 0, 0], [0, 8, 0]]


def test_predict_labels_only_with_the_present_classes():
    seg = tiny_segmentor(use_gt_labels=True)
    out = seg(torch.randn(1, 3, 20, 24), [dict(img_labels=np.array([0, 1.0, 0]))],
              mode='predict')[0]
    assert set(out['pred'].unique().tolist()) <= {0, 2}
    assert out['probs'].shape == (1, 20, 24) and out['keys'].tolist() == [1]


def test_converter_maps_torchvision_vgg16_and_refuses_other_keys():
    import torchvision
    from webvideo_wsss.convert import convert, to_official
    from webvideo_wsss.models import WebVideoVGG
    sd = torchvision.models.vgg16().state_dict()
    ours = convert(sd)
    bb = WebVideoVGG()
    bb.load_state_dict(ours, strict=True)
    assert set(to_official(ours)) == {k for k in sd if k.startswith('features.')}
    with pytest.raises(KeyError, match='extra.weight'):
        convert(dict(sd, **{'extra.weight': torch.zeros(1)}))
    with pytest.raises(KeyError, match='missing'):
        convert({k: v for k, v in sd.items() if k != 'features.28.bias'})


# ------------------------------------------------------------------------------ videos
def _video(tmp_path, frames, name='a.mp4'):
    from webvideo_wsss.datasets.synthetic import write_video
    path = str(tmp_path / name)
    write_video(path, frames)
    return path


def test_read_video_decodes_a_real_file_and_names_bad_files(tmp_path):
    from webvideo_wsss.video import VideoDecodeError, read_video
    frames = np.zeros((5, 32, 48, 3), np.uint8)
    for t in range(5):
        frames[t, :, :, 0] = 40 * t
    path = _video(tmp_path, frames)
    for backend in ('decord', 'av'):
        got = read_video(path, backend=backend)
        assert got.shape == (5, 32, 48, 3)
        assert np.abs(got[:, 16, 24, 0].astype(int) - 40 * np.arange(5)).max() <= 8
    assert read_video(path, frame_step=2).shape[0] == 3
    with pytest.raises(FileNotFoundError, match='missing.mp4'):
        read_video(str(tmp_path / 'missing.mp4'))
    bad = tmp_path / 'broken.mp4'
    bad.write_bytes(b'not a video' * 20)
    with pytest.raises(VideoDecodeError, match='broken.mp4.*no decodable frame'):
        read_video(str(bad))


class StubEncoder:
    """A CAM that fires around the class mark (class 0's red tint), as a trained encoder's
    does: score 1 for a frame showing the mark, the map = the mark blurred (Gaussian, sigma 6
    px, peak 1): it covers the mark and part of the body."""

    def eval(self):
        return self

    def score_and_localize(self, x):
        from webvideo_wsss.video import MEAN, STD
        img = x * STD + MEAN
        mark = ((img[:, 0] > 150) & (img[:, 1] < 110)).float()  # (B, H, W)
        scores = (mark.flatten(1).sum(1) > 5).float()
        k = torch.exp(-torch.arange(-12, 13.0) ** 2 / 72)
        blur = F.conv2d(F.conv2d(mark[:, None], k.view(1, 1, 1, -1), padding=(0, 12)),
                        k.view(1, 1, -1, 1), padding=(12, 0))[:, 0]
        blur = blur / blur.flatten(1).max(1)[0].clamp(min=1e-6).view(-1, 1, 1)
        return torch.stack([scores, scores], 1), torch.stack([blur, blur], 1)


def test_video_stage_rejects_the_frames_without_the_object_and_segments_the_rest(tmp_path):
    from webvideo_wsss.datasets.synthetic import render_video
    from webvideo_wsss.video import binary_iou, process_video
    frames, masks = render_video(np.random.default_rng(0), 0, 6, off_frames=2)
    path = _video(tmp_path, frames)
    res = process_video(StubEncoder(), path, 0, frame_thres=0.5,
                        graph_cfg=dict(n_segments=80, lam_s=4.0, init_fg=0.3, init_bg=0.05,
                                       loc_clip=0.2))
    assert res['kept'].tolist() == [2, 3, 4, 5]
    assert binary_iou(res['masks'], masks[2:]) > 0.85
    assert binary_iou(res['alpha'] >= 0.5, masks[2:]) < 0.8


def test_video_list_errors_name_the_problem(tmp_path):
    from webvideo_wsss.datasets.videos import read_video_list
    root = tmp_path / 'v'
    with pytest.raises(FileNotFoundError, match='videos.txt'):
        read_video_list(str(root))
    (root / 'videos' / 'cat').mkdir(parents=True)
    (root / 'videos' / 'cat' / '1.mp4').write_bytes(b'x')
    (root / 'videos.txt').write_text('cat/1.mp4\n')
    assert read_video_list(str(root))[0]['cls'] == 7  # VOC's cat
    assert read_video_list(str(root), ('dog', 'cat'))[0]['cls'] == 1  # any class names
    (root / 'videos.txt').write_text('cat/1.mp4\nunicorn/2.mp4\n')
    with pytest.raises(ValueError, match=r"videos.txt:2: class 'unicorn'"):
        read_video_list(str(root))
    (root / 'videos.txt').write_text('cat/9.mp4\n')
    with pytest.raises(FileNotFoundError, match='9.mp4'):
        read_video_list(str(root))
    (root / 'videos.txt').write_text('1.mp4\n')
    with pytest.raises(ValueError, match='<class_name>/<id>'):
        read_video_list(str(root))


def test_frame_dataset_names_the_missing_stage_and_stale_frames(tmp_path):
    from webvideo_wsss.datasets import WebVideoFrameDataset
    with pytest.raises(FileNotFoundError, match='segment_videos'):
        WebVideoFrameDataset(data_root=str(tmp_path), pipeline=[])
    (tmp_path / 'frames.txt').write_text('frames/a/0/00000.png masks/a/0/00000.png 3\n')
    (tmp_path / 'video_root.txt').write_text('/data/old_videos\n')
    ds = WebVideoFrameDataset(data_root=str(tmp_path), pipeline=[], video_root='/data/old_videos')
    assert ds.get_data_info(0)['cls'] == 3
    with pytest.raises(ValueError, match='old_videos.*rerun the segment_videos'):
        WebVideoFrameDataset(data_root=str(tmp_path), pipeline=[], video_root='/data/new')


def test_check_data_shows_both_trees(tmp_path):
    from webvideo_wsss.paper import check_data
    with pytest.raises(FileNotFoundError, match='VOC2012'):
        check_data(str(tmp_path), 'voc12_decoder')
    from cvshared.datasets.voc_synthetic import make_voc_synthetic
    make_voc_synthetic(str(tmp_path / 'VOC2012'), num_train=1, num_val=1)
    with pytest.raises(FileNotFoundError, match='webvideos'):
        check_data(str(tmp_path), 'voc12_decoder')


def test_drawings_have_one_panel_per_map():
    from webvideo_wsss.hooks import draw_sample, draw_video_frame
    img = np.zeros((20, 30, 3), np.uint8)
    a = draw_sample(img, np.random.rand(2, 20, 30), np.random.rand(2, 20, 30),
                    np.zeros((20, 30), int), np.zeros((20, 30), int), caption=False)
    assert a.shape == (20, 150, 3)
    b = draw_video_frame(img, np.random.rand(20, 30), np.zeros((20, 30)), np.ones((20, 30)),
                         caption=False)
    assert b.shape == (20, 120, 3)
    with pytest.raises(ValueError, match='size'):
        draw_sample(img, np.random.rand(1, 10, 10), None, np.zeros((20, 30), int))


def test_crf_refinement_snaps_a_blurred_map_to_the_image_edges(tmp_path):
    from PIL import Image
    from webvideo_wsss.models.decoder import crf_refine
    img = np.full((40, 40, 3), 200, np.uint8)
    img[8:32, 8:32] = 30  # a dark square
    Image.fromarray(img).save(tmp_path / 'a.png')
    yy, xx = np.mgrid[:40, :40]
    blob = np.exp(-((yy - 20) ** 2 + (xx - 20) ** 2) / (2 * 10.0 ** 2))  # wider than the square
    probs = torch.from_numpy(0.9 * blob[None]).float()
    lab = crf_refine(str(tmp_path / 'a.png'), probs, torch.tensor([6]), dict(t=10))
    square = np.zeros((40, 40), bool)
    square[8:32, 8:32] = True
    assert set(np.unique(lab.numpy())) <= {0, 7}
    plain = (probs[0].numpy() > 0.5)
    iou = lambda a: (a & square).sum() / (a | square).sum()  # noqa: E731
    assert iou(lab.numpy() == 7) > iou(plain) + 0.05


def test_segment_videos_writes_the_decoder_set_and_scores_the_rejection(tmp_path):
    from webvideo_wsss.datasets import WebVideoFrameDataset, make_video_synthetic
    from webvideo_wsss.pipeline import segment_videos
    root = make_video_synthetic(str(tmp_path / 'v'), classes=('aeroplane',), videos_per_class=2,
                                num_frames=4, off_prob=1.0, off_frames=1)
    out = segment_videos(StubEncoder(), root, str(tmp_path / 'out'), frame_thres=0.5,
                         graph_cfg=dict(n_segments=80, lam_s=4.0, init_fg=0.3, init_bg=0.05,
                                        loc_clip=0.2), pictures=1)
    assert (out['frames'], out['kept']) == (8.0, 6.0)
    assert out['reject_recall'] == 1.0 and out['reject_precision'] == 1.0
    assert out['video_mIoU'] > out['cam_best_mIoU']
    ds = WebVideoFrameDataset(data_root=str(tmp_path / 'out'), pipeline=[], video_root=root)
    assert len(ds) == 6 and {ds.get_data_info(i)['cls'] for i in range(6)} == {0}
    assert osp.isfile(tmp_path / 'out' / 'pictures' / 'aeroplane_0000.png')
    # a listed video with no decodable frame stops the stage, naming the file
    (tmp_path / 'v' / 'videos' / 'aeroplane' / '0001.mp4').write_bytes(b'\0' * 64)
    with pytest.raises(ValueError, match='0001.mp4.*no decodable frame'):
        segment_videos(StubEncoder(), root, None)
