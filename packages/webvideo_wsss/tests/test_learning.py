"""End to end on the synthetic sets (``webvideo_wsss.datasets.make_synthetic``: marked-style VOC
images and real mp4 videos of moving marked bodies): the encoder's CAMs fire on the class mark,
the graph cut of the retained video frames recovers the whole bodies, and the decoder trained on
those video masks segments the VOC images better than the plain CAM labels.

Protocol (fixed on seed 0, the development seed on which the graph cut's parameters of the
synthetic config were chosen, before any held-out seed was run):
* video masks: two-class (fg / bg) mIoU of the graph-cut masks vs the thresholded CAM masks on
  the same retained frames, the CAM at its BEST threshold of ``CAM_SWEEP`` on those frames;
* VOC: 21-class mIoU on the synthetic val images of the encoder-decoder (E8) vs the plain-CAM
  labels (E6 behind a constant background at its BEST value of ``CAM_SWEEP``), both with the
  true image labels;
* pass: both gaps >= ``MARGIN`` = 0.05.

Every seed run (this machine, 1 thread, 15-25 s a seed under load; mIoU as fractions;
video graph cut vs CAM best; VOC decoder vs plain CAM best):

version 1, 80 superpixels a frame:
  seed 0 (dev) 0.924 vs 0.816; 0.860 vs 0.740
  seed 1       0.944 vs 0.844; 0.878 vs 0.770  pass
  seed 2       0.972 vs 0.840; 0.906 vs 0.800  pass
  seed 3       0.754 vs 0.785; 0.780 vs 0.744  FAIL (both)
version 2 (this file), 150 superpixels (chosen on seed 0 after seed 3 failed: thin arms of
crosses / triangles did not get superpixels of their own), new held-out seeds 4-6:
  seed 0 (dev) 0.957 vs 0.816; 0.870 vs 0.740
  seed 4       0.812 vs 0.825; 0.827 vs 0.759  FAIL (video)
  seed 5       0.942 vs 0.836; 0.886 vs 0.799  pass
  seed 6       0.959 vs 0.846; 0.865 vs 0.815  pass (VOC gap 0.050, at the margin)
  and the seeds already seen: 1 0.951 vs 0.844; 0.890 vs 0.770 pass, 2 0.984 vs 0.840;
  0.906 vs 0.800 pass, 3 0.777 vs 0.785; 0.857 vs 0.744 FAIL (video)
The decoder beats plain CAM by >= 0.05 on all 7 seeds of version 2; the video masks beat the
CAM masks by >= 0.05 on 5 of 7 and are below them on 2 (README Results). The test runs seed 1,
chosen before any held-out run.
"""
import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F

CAM_SWEEP = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
MARGIN = 0.05
TINY = dict(arch=(1, 1, 1), widths=(16, 32, 64), num_pools=2)
GRAPH = dict(n_segments=150, lam_s=4.0, init_fg=0.3, init_bg=0.05, loc_clip=0.2)
SEED = 1  # a held-out seed (HELD_OUT)
#: every held-out seed run: (video, video CAM best, VOC decoder, VOC CAM best)
HELD_OUT = {4: (0.812, 0.825, 0.827, 0.759), 5: (0.942, 0.836, 0.886, 0.799),
            6: (0.959, 0.846, 0.865, 0.815)}


def _fit_encoder(enc, x, y, steps, rng):
    opt = torch.optim.Adam(enc.parameters(), 3e-3)
    for _ in range(steps):
        idx = torch.from_numpy(rng.integers(0, len(x), 16))
        xb = x[idx].flip(-1) if rng.random() < 0.5 else x[idx]
        loss = F.binary_cross_entropy_with_logits(enc.logits(xb), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()


def _fit_decoder(seg, frames, masks, classes, steps, rng):
    opt = torch.optim.Adam(seg.decoder.parameters(), 3e-3)
    seg.train()
    for _ in range(steps):
        idx = torch.from_numpy(rng.integers(0, len(frames), 8))
        x, m = frames[idx], masks[idx]
        if rng.random() < 0.5:
            x, m = x.flip(-1), m.flip(-1)
        loss = seg.loss(x, [dict(cls=int(c), gt_mask=mm) for c, mm in zip(classes[idx], m)])
        opt.zero_grad()
        loss['loss_seg'].backward()
        opt.step()


def run_chain(root, seed):
    from PIL import Image
    from webvideo_wsss.datasets import make_synthetic
    from webvideo_wsss.models import WebVideoEncoder, WebVideoSegmentor
    from webvideo_wsss.pipeline import evaluate_segmentor, read_rgb, segment_videos, voc_items
    from webvideo_wsss.video import frames_to_tensor
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    rng = np.random.default_rng(seed)
    make_synthetic(str(root), seed=seed)
    tr = voc_items(f'{root}/VOC2012', 'ImageSets/Segmentation/train_cam.txt', with_masks=False)
    x = frames_to_tensor(np.stack([read_rgb(i['img_path']) for i in tr]))
    y = torch.tensor(np.stack([i['img_labels'] for i in tr]))
    enc = WebVideoEncoder(backbone=TINY, num_classes=20)
    _fit_encoder(enc, x, y, 300, rng)
    enc.eval()
    out_dir = f'{root}/videomasks'
    video = segment_videos(enc, f'{root}/webvideos', out_dir, frame_thres=0.5, graph_cfg=GRAPH,
                           cam_sweep=CAM_SWEEP)
    video_cam = video['cam_best_mIoU']
    lines = [line.split() for line in open(f'{out_dir}/frames.txt')]
    frames = frames_to_tensor(np.stack([np.array(Image.open(f'{out_dir}/{a}'))
                                        for a, _, _ in lines]))
    masks = torch.from_numpy(np.stack([np.array(Image.open(f'{out_dir}/{b}'))
                                       for _, b, _ in lines])).long()
    classes = torch.tensor([int(c) for *_, c in lines])
    seg = WebVideoSegmentor(encoder=dict(backbone=TINY, num_classes=20))
    seg.encoder.load_state_dict(enc.state_dict())
    _fit_decoder(seg, frames, masks, classes, 150, rng)
    val = voc_items(f'{root}/VOC2012', 'ImageSets/Segmentation/val.txt')
    res = evaluate_segmentor(seg, val, cam_sweep=CAM_SWEEP)
    return dict(video=video['video_mIoU'], video_cam=video_cam, voc=res['mIoU'],
                voc_cam=res['cam_best_mIoU'], reject_recall=video['reject_recall'])


@pytest.mark.slow
def test_video_masks_and_decoder_beat_plain_cam(tmp_path):
    torch.set_num_threads(1)
    r = run_chain(tmp_path, SEED)
    print(r)
    assert r['video'] >= r['video_cam'] + MARGIN, r
    assert r['voc'] >= r['voc_cam'] + MARGIN, r
