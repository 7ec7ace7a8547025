"""The visualization draws what was kept: different selections give different pictures at the
right places; the hook records the backbone's selection and writes one picture per video."""
from types import SimpleNamespace

import numpy as np
import pytest
import stts  # noqa: F401
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.registry import init_default_scope
from stts.hooks.visualization import BAND, DIM, STTSVisualizationHook, draw_sample


def frame_px(img, i, w=16, h=16, border=2):
    x = i * (w + 2 * border) + border
    return img[BAND + border:BAND + border + h, x:x + w]


def test_draw_sample_depends_on_the_selection():
    rng = np.random.default_rng(0)
    frames = rng.integers(100, 255, size=(4, 16, 16, 3), dtype=np.uint8)
    a = draw_sample(frames, kept=[0, 1], label='x')
    b = draw_sample(frames, kept=[2, 3], label='x')
    dim = lambda f: np.clip(f.astype(np.float32) * DIM, 0, 255).astype(np.uint8)  # noqa: E731
    for i in range(4):  # kept frames are the original pixels, dropped ones dimmed
        assert np.array_equal(frame_px(a, i), frames[i] if i < 2 else dim(frames[i])), i
        assert np.array_equal(frame_px(b, i), frames[i] if i >= 2 else dim(frames[i])), i
    # a kept window: inside original, outside dimmed; another window moves the bright part
    c = draw_sample(frames, kept=[0], boxes={0: (0.0, 0.0, 0.5, 0.5)})
    d = draw_sample(frames, kept=[0], boxes={0: (0.5, 0.5, 1.0, 1.0)})
    fc, fd = frame_px(c, 0), frame_px(d, 0)
    assert np.array_equal(fc[:8, :8], frames[0][:8, :8])
    assert np.array_equal(fc[8:, 8:], dim(frames[0])[8:, 8:])
    assert np.array_equal(fd[8:, 8:], frames[0][8:, 8:])
    assert np.array_equal(fd[:8, :8], dim(frames[0])[:8, :8])
    with pytest.raises(ValueError, match='outside the clip'):
        draw_sample(frames, kept=[4])


def test_hook_draws_the_backbone_selection(tmp_path):
    init_default_scope('mmaction')
    model = MODELS.build(dict(
        type='Recognizer3D',
        backbone=dict(type='STTSSwinTransformer3D', arch=dict(embed_dims=16, depths=[1, 1],
                      num_heads=[1, 2]), pretrained2d=False, patch_size=(2, 4, 4),
                      window_size=(4, 4, 4), out_indices=(1, ), num_frames=8, image_size=32,
                      time_pruning_loc=[0], time_left_ratio=[0.5]),
        cls_head=dict(type='I3DHead', in_channels=32, num_classes=3, average_clips='prob'),
        data_preprocessor=dict(type='ActionDataPreprocessor', mean=[0.] * 3, std=[1.] * 3,
                               format_shape='NCTHW'))).eval()
    raw = torch.randint(0, 255, (2, 1, 3, 8, 32, 32), dtype=torch.uint8,
                        generator=torch.Generator().manual_seed(0))
    batch = dict(inputs=list(raw), data_samples=[ActionDataSample().set_gt_label(0)] * 2)
    with torch.no_grad():
        outputs = model.test_step(batch)
    sel = model.backbone.last_selection
    assert sel['slices'].shape == (2, 2) and sel['frames_per_slice'] == 2
    runner = SimpleNamespace(model=model, work_dir=str(tmp_path), timestamp='t',
                             test_dataloader=SimpleNamespace(dataset=SimpleNamespace(
                                 metainfo={'classes': ['a', 'b', 'c']})))
    hook = STTSVisualizationHook(draw=True, test_out_dir='vis')
    hook.after_test_iter(runner, 0, batch, outputs)
    files = sorted((tmp_path / 't' / 'vis').glob('*.png'))
    assert len(files) == 2
    import cv2
    img = cv2.imread(str(files[0]))[..., ::-1]
    kept = {f for s in sel['slices'][0].tolist() for f in (2 * s, 2 * s + 1)}
    clip = raw[0, 0].permute(1, 2, 3, 0).numpy()
    for f in range(8):  # the kept frames of video 0 are drawn as they are, the others dimmed
        px = frame_px(img, f, 32, 32)
        assert np.array_equal(px, clip[f]) == (f in kept), f
