"""The synthetic set (read back by the shared SS-V1 reader), the too-short-video error, the
converter, the drawing, the visualization hook and the inferencer."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from PIL import Image

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
SYNTHETIC = osp.join(REPO, 'configs', 'collabmem', 'collabmem_r3d-tiny_2x4x1_10e_synthetic.py')


@pytest.fixture(scope='module')
def synthetic_root(tmp_path_factory):
    from collabmem.datasets import make_synthetic
    root = tmp_path_factory.mktemp('syn')
    make_synthetic(str(root), num_train=8, num_val=4, seed=0)
    return root


def _dataset(root, split='train', pipeline=None):
    from mmengine.config import Config as C
    cfg = C.fromfile(SYNTHETIC)
    ds = cfg.train_dataloader.dataset if split == 'train' else cfg.val_dataloader.dataset
    ds.data_root = str(root)
    if pipeline is not None:
        ds.pipeline = pipeline
    from mmaction.registry import DATASETS
    with DefaultScope.overwrite_default_scope('mmaction'):
        return DATASETS.build(ds)


def test_synthetic_set_two_clips_each_show_one_colour(synthetic_root):
    data = _dataset(synthetic_root)
    assert len(data) == 8
    labels = [int(data[i]['data_samples'].gt_label) for i in range(8)]
    assert labels == [0, 1, 1, 0] * 2                      # XOR of (a, b) = 00, 01, 10, 11
    for i in range(4):
        clips = data[i]['inputs'].float()                  # (2 clips, 3, 4, 16, 16)
        assert clips.shape == (2, 3, 4, 16, 16)
        a, b = (i % 4) // 2, i % 2
        for clip, colour in zip(clips, (a, b)):
            red, green = clip[0].mean(), clip[1].mean()
            # every clip is dominated by its own half's colour (never both colours)
            assert (green > red + 15) if colour else (red > green + 15), (i, red, green)


def test_too_short_video_names_file_and_counts(tmp_path):
    from collabmem.datasets import CheckedSampleFrames
    sampler = CheckedSampleFrames(clip_len=4, frame_interval=2, num_clips=3)
    with pytest.raises(ValueError) as err:
        sampler(dict(frame_dir='/data/sthv1/123', total_frames=20, start_index=1))
    msg = str(err.value)
    assert '/data/sthv1/123' in msg and '20 frames' in msg and 'need 24' in msg
    out = sampler(dict(frame_dir='x', total_frames=24, start_index=1))   # exactly enough
    assert len(out['frame_inds']) == 12
    ok = CheckedSampleFrames(clip_len=4, frame_interval=2, num_clips=3, allow_overlap=True)
    assert len(ok(dict(filename='v.mp4', total_frames=5, start_index=0))['frame_inds']) == 12


def test_too_short_frame_folder_fails_at_load(synthetic_root, tmp_path):
    import shutil
    root = tmp_path / 'short'
    shutil.copytree(synthetic_root, root)
    folder = root / '20bn-something-something-v1' / '00000'
    for f in sorted(folder.iterdir())[7:]:
        f.unlink()
    with pytest.raises(ValueError, match=r'00000.*has 7 frames.*fewer than the 8'):
        _dataset(root)


def test_convert_base_checkpoint_leaves_memory_at_identity():
    from collabmem.convert import convert, memory_keys, to_official
    from collabmem.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(Config.fromfile(SYNTHETIC).model)
    base = {'module.' + k: v for k, v in to_official(model.state_dict()).items()}
    ours = convert(base)
    missing, unexpected = model.load_state_dict(ours, strict=False)
    assert sorted(missing) == memory_keys(model.state_dict()) and not unexpected
    assert memory_keys(model.state_dict())                      # the block's keys exist
    with pytest.raises(KeyError, match='unexpected.weight'):
        convert({'unexpected.weight': torch.zeros(1)})


def test_draw_sample_marks_right_and_wrong():
    from collabmem.hooks import draw_sample
    frames = np.zeros((2, 4, 4, 3), np.uint8)
    att = np.array([[1.0, 0.0], [0.25, 0.75]])
    right = draw_sample(frames, att, None, 1, 1)
    wrong = draw_sample(frames, att, np.ones((2, 8)), 0, 1)
    assert tuple(right[0, 0]) == (0, 200, 0) and tuple(wrong[0, 0]) == (220, 0, 0)
    # the attention tile: row 0 white then black; row 1 dark grey then light grey
    y0 = 3 + 16 + 2
    assert right[y0 + 5, 3 + 5, 0] == 255 and right[y0 + 5, 3 + 12 + 5, 0] == 0
    assert right[y0 + 12 + 5, 3 + 5, 0] == 63 and right[y0 + 12 + 5, 3 + 17, 0] == 191
    assert wrong.shape[0] > right.shape[0]                      # the gate rows
    with pytest.raises(ValueError, match='attention must be'):
        draw_sample(frames, np.ones((3, 3)), None, 0)


def test_inferencer_and_hook_draw_the_memory(synthetic_root, tmp_path):
    from collabmem.infer import INFERENCER
    from collabmem.registry import MODELS
    from mmengine.runner import Runner
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(Config.fromfile(SYNTHETIC).model).eval()
    block = model.memories()[0]
    torch.manual_seed(0)
    with torch.no_grad():
        block.gate.weight.normal_()
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'model.pth')
    video = str(synthetic_root / '20bn-something-something-v1' / '00008')
    payload = INFERENCER(SYNTHETIC, str(tmp_path / 'model.pth'))([video],
                                                                 out_dir=str(tmp_path / 'o'))
    result = payload['results'][0]
    data = _dataset(synthetic_root, 'val')[0]
    with torch.no_grad():
        batch = model.data_preprocessor(dict(inputs=[data['inputs']],
                                             data_samples=[data['data_samples']]), False)
        expected = model(batch['inputs'], batch['data_samples'], mode='predict')[0]
    assert result['pred_label'] == int(expected.pred_score.argmax())
    np.testing.assert_allclose(result['scores'], expected.pred_score.numpy(), atol=1e-6)
    np.testing.assert_allclose(result['memory_attention'], block.last_attention[0].numpy(),
                               atol=1e-6)
    drawing = np.asarray(Image.open(result['files'][0]))
    assert tuple(drawing[0, 0]) == (128, 128, 128)              # no ground truth: grey
    # the hook during a test run writes one picture per validation video
    cfg = Config.fromfile(SYNTHETIC)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.test_dataloader.dataset.data_root = str(synthetic_root)
    cfg.train_dataloader.dataset.data_root = str(synthetic_root)
    cfg.val_dataloader.dataset.data_root = str(synthetic_root)
    cfg.default_hooks.visualization.update(draw=True, test_out_dir='vis')
    cfg.load_from = str(tmp_path / 'model.pth')
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    runner.test()
    pictures = list((tmp_path / 'work').rglob('vis/*.png'))
    assert len(pictures) == 4
