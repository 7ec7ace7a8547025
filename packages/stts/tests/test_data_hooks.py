"""Kinetics video-list layout, the synthetic generator, the hooks and the configs."""
import glob
import os
import os.path as osp
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from stts.datasets import (
    CLASSES,
    COLOURS,
    STTSKineticsVideoDataset,
    check_kinetics,
    make_synthetic_kinetics,
    render_clip,
)
from stts.hooks import SigmaDecayHook, STTSBackboneWarmupHook

ROOT = Path(__file__).resolve().parents[3]
CONFIGS = sorted(glob.glob(str(ROOT / 'configs' / 'stts' / '*.py')))


@pytest.fixture(scope='module')
def synthetic_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('k400'))
    make_synthetic_kinetics(root, num_train=8, num_val=4)
    return root


def test_render_clip_motion_is_the_label():
    rng = np.random.default_rng(0)
    for label in range(len(CLASSES)):
        clip = render_clip(label, rng, num_frames=8, size=32, active_frames=6)
        bright = clip.max(axis=-1) > 200  # the bar is saturated; the background is dark grey
        active = np.flatnonzero(bright.any(axis=(1, 2)))
        assert len(active) == 6 and np.all(np.diff(active) == 1)  # one contiguous window
        ys, xs = np.nonzero(bright[active[0]])
        ye, xe = np.nonzero(bright[active[-1]])
        dy, dx = ye.mean() - ys.mean(), xe.mean() - xs.mean()
        expected = {0: dx > 0, 1: dx < 0, 2: dy > 0, 3: dy < 0}[label % 4]
        assert expected, (label, dy, dx)
        colour = clip[active[0]][bright[active[0]]][0]  # label // 4 is the colour
        assert tuple(colour) == list(COLOURS.values())[label // 4], (label, colour)


def test_synthetic_layout_and_decoding(synthetic_root):
    check_kinetics(synthetic_root)
    lines = open(osp.join(synthetic_root, 'kinetics400_train_list_videos.txt')).read().split('\n')
    assert lines[0] == 'yellow_moves_right/train_00000.mp4 0'
    init_default_scope('mmaction')
    ds = STTSKineticsVideoDataset(
        ann_file=osp.join(synthetic_root, 'kinetics400_val_list_videos.txt'),
        data_prefix=dict(video=osp.join(synthetic_root, 'videos_val')),
        pipeline=[dict(type='STTSDecordInit'),
                  dict(type='SampleFrames', clip_len=8, frame_interval=1, num_clips=1,
                       test_mode=True),
                  dict(type='DecordDecode'),
                  dict(type='FormatShape', input_format='NCTHW'),
                  dict(type='PackActionInputs')],
        test_mode=True)
    assert len(ds) == 4
    item = ds[1]
    assert tuple(item['inputs'].shape) == (1, 3, 8, 32, 32)
    assert item['data_samples'].gt_label.item() == 1


def test_missing_and_bad_data_errors(tmp_path, synthetic_root):
    with pytest.raises(FileNotFoundError, match='videos_train/<class>'):
        check_kinetics(str(tmp_path))
    bad = tmp_path / 'kinetics400_train_list_videos.txt'
    bad.write_text('video_without_label.mp4\n')
    with pytest.raises(ValueError, match=r':1: expected "<video path> <integer label>"'):
        check_kinetics(str(tmp_path))
    bad.write_text('missing/clip.mp4 3\n')
    with pytest.raises(FileNotFoundError, match='does not exist'):
        check_kinetics(str(tmp_path))
    corrupt = tmp_path / 'corrupt.mp4'
    corrupt.write_bytes(b'not a video')
    from stts.datasets import STTSDecordInit
    with pytest.raises(RuntimeError, match='corrupt.mp4'):
        STTSDecordInit().transform({'filename': str(corrupt)})


class _Backbone(torch.nn.Module):

    def __init__(self):
        super().__init__()
        self.sigma_max = self.sigma = 0.1
        self.w = torch.nn.Parameter(torch.zeros(1))
        self.predictor = torch.nn.Linear(1, 1)

    def set_sigma(self, s):
        self.sigma = s


def test_sigma_decay_hook_follows_update_sigma():
    model = SimpleNamespace(backbone=_Backbone())
    hook = SigmaDecayHook()
    for it, expected in ((0, 0.1), (50, 0.05), (99, 0.001)):
        hook.before_train_iter(SimpleNamespace(model=model, iter=it, max_iters=100), it)
        assert abs(model.backbone.sigma - expected) < 1e-12
    with pytest.raises(TypeError, match='STTS backbone'):
        hook.before_train_iter(SimpleNamespace(model=torch.nn.Linear(1, 1), iter=0,
                                               max_iters=1), 0)


def test_backbone_warmup_hook_freezes_all_but_predictors():
    net = _Backbone()
    hook = STTSBackboneWarmupHook(warmup_epochs=3)
    hook.before_train_epoch(SimpleNamespace(model=net, epoch=2))
    assert not net.w.requires_grad and net.predictor.weight.requires_grad
    hook.before_train_epoch(SimpleNamespace(model=net, epoch=3))
    assert net.w.requires_grad


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.basename(c) for c in CONFIGS])
def test_configs_load_and_set_paper_k(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmaction' and cfg.custom_imports['imports'] == ['stts']
    bb = cfg.model.backbone
    name = osp.basename(path)
    if 'kinetics400' in name:
        assert cfg.train_dataloader.dataset.ann_file.endswith('kinetics400_train_list_videos.txt')
        assert bb.time_pruning_loc == [0]
        t = {'swin': 16, 'mvit': 8}['swin' if 'swin' in name else 'mvit']
        keep = int(t * bb.time_left_ratio[0])
        label = name.split('-')[2][:2]  # the paper's rounded T^0 ratio, e.g. '06'
        # official ratios (VideoSwin/configs/Kinetics/t0_*.py, MViT/configs/Kinetics/*.yaml):
        # kept slices of 16 (Swin) / 8 (MViT) temporal token slices
        expected = {'swin': {'09': 14, '08': 12, '06': 10, '05': 9, '04': 6},
                    'mvit': {'09': 7, '08': 6, '06': 5, '05': 4, '04': 3}}
        assert keep == expected['swin' if 'swin' in name else 'mvit'][label], (name, keep)
        if 'mvit' in name:
            assert bb.space_pruning_loc == [4]
            anchor = int(int(196 * bb.space_left_ratio[0]) ** 0.5)
            s_label = name.split('-')[4][:2]  # S^4 ratio label: 0.9 -> 13, 0.7 -> 12, 0.6 -> 11
            assert anchor == {'09': 13, '07': 12, '06': 11}[s_label], (name, anchor)
    else:
        assert name.endswith('_synthetic.py')


def test_paper_spec():
    from stts.paper import PAPER_TABLE, SPEC
    # the headline run is VideoSwin-B T^0_0.6 of the official README table (81.4 %, 181.4 GFLOPs)
    assert SPEC.key == 'stts' and SPEC.runs == {
        'swin-b_t0-06': 'configs/stts/stts-t0-06_swin-b-p244-w877_10e_kinetics400.py'}
    assert SPEC.reported == {'acc/top1': 81.4, 'flops/gflops': 181.4}
    assert PAPER_TABLE['stts-t0-06_swin-b-p244-w877_10e_kinetics400'] == (81.4, 181.4)
    assert SPEC.scale('acc/top1') == 100.0 and SPEC.scale('flops/gflops') == 1.0
    for cfg in (*SPEC.runs.values(), *SPEC.synthetic_runs.values()):
        assert os.path.isfile(ROOT / cfg)
    for stem in PAPER_TABLE:
        assert os.path.isfile(ROOT / 'configs' / 'stts' / f'{stem}.py')


def test_synthetic_config_names_the_generator_classes():
    """Pictures and tools/infer.py name the synthetic classes as the generator labels them."""
    from stts.datasets import CLASSES
    root = Path(__file__).resolve().parents[3]
    cfg = Config.fromfile(str(root / 'configs' / 'stts' / 'stts-t0-05_swin-tiny_10e_synthetic.py'))
    assert cfg.default_hooks.visualization.class_names == list(CLASSES)
    assert len(CLASSES) == cfg.model.cls_head.num_classes
