"""Pictures of unsupervised segmentation (cvshared.useg.visualization)."""
import types

import numpy as np
import pytest
import torch
from cvshared.useg.visualization import (
    USegVisualizationHook,
    colour_labels,
    draw_useg,
    useg_palette,
)
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from PIL import Image

CAP = 14


def test_draw_colours_matched_clusters_by_their_class():
    img = np.full((4, 6, 3), 40, np.uint8)
    cluster = np.array([[0, 0, 1, 1, 2, 2]] * 4)
    gt = np.array([[2, 2, 0, 0, 1, 255]] * 4)
    pal = useg_palette(3)
    pic = draw_useg(img, cluster, gt, assignment=[2, 0, -1], palette=pal)
    assert pic.shape == (4 + CAP, 4 * 6, 3)
    panel = pic[CAP:, 12:18]    # the matched panel: cluster 0 -> class 2, 1 -> 0, 2 unmatched
    assert (panel[0, 0] == pal[2]).all() and (panel[0, 2] == pal[0]).all()
    assert (panel[0, 4] == 255).all()
    gt_panel = pic[CAP:, 18:24]
    assert (gt_panel[0, 0] == pal[2]).all() and (gt_panel[0, 5] == 255).all()
    assert (pic[CAP:, :6] == img).all()
    with pytest.raises(ValueError, match='no assignment'):
        draw_useg(img, cluster, gt, assignment=[0, 1])
    with pytest.raises(ValueError, match='ids must lie in'):
        colour_labels(np.array([[3]]), pal)


def _sample(pred, gt, name):
    s = SegDataSample(metainfo=dict(img_id=name))
    s.pred_sem_seg = PixelData(data=torch.as_tensor(pred)[None])
    s.gt_sem_seg = PixelData(data=torch.as_tensor(gt)[None])
    return s


def test_hook_matches_over_the_whole_test_set(tmp_path):
    """Only the first image is drawn, but the matching uses both images: alone, the first
    would match cluster 0 -> class 0 (8 pixels against 4); over both, cluster 1 is class 0 on
    12 pixels, so cluster 0 -> class 1 and cluster 1 -> class 0 (20 pixels against 12)."""
    runner = types.SimpleNamespace(work_dir=str(tmp_path), timestamp='t',
                                   logger=types.SimpleNamespace(info=lambda m: None),
                                   test_dataloader=types.SimpleNamespace(
                                       dataset=types.SimpleNamespace(metainfo=dict(
                                           classes=('a', 'b')))))
    hook = USegVisualizationHook(draw=True, test_out_dir='vis', max_samples=1)
    hook.before_test_epoch(runner)
    first = _sample(np.ones((4, 4), np.int64) * np.array([0, 0, 0, 1]),
                    np.array([[0, 0, 1, 1]] * 4), 'first')
    second = _sample(np.ones((4, 4), np.int64) * np.array([0, 1, 1, 1]),
                     np.array([[1, 0, 0, 0]] * 4), 'second')
    imgs = torch.full((1, 3, 4, 4), 90, dtype=torch.uint8)
    hook.after_test_iter(runner, 0, dict(inputs=imgs), [first])
    hook.after_test_iter(runner, 1, dict(inputs=imgs), [second])
    hook.after_test_epoch(runner)
    out = tmp_path / 't' / 'vis'
    assert sorted(p.name for p in out.iterdir()) == ['first.png']
    pic = np.asarray(Image.open(out / 'first.png'))
    pal = useg_palette(2)
    matched = pic[CAP:, 8:12]
    assert (matched[0, 3] == pal[0]).all() and (matched[0, 0] == pal[1]).all()
