"""Configs (roots, inheritance, test-time augmentation), the photometric transform and the
paper spec."""
import copy
import glob
import math
import os.path as osp

import cv2
import mmcv
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from cvshared.datasets.davis import LoadFrameAndFlow
from cvshared.engine.launch import enable_tta
from hfan.datasets import PairPhotoMetricDistortion
from hfan.paper import REPORTED_SINGLE_SCALE, SPEC
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import DATASETS
from mmseg.registry import MODELS

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
CFG = osp.join(ROOT, 'configs', 'hfan')
SYNTHETIC = osp.join(CFG, 'hfan_mit-tiny_1xb4-600it_synthetic.py')
B2_REFINE = osp.join(CFG, 'hfan_mit-b2_2xb8-4k-refine_davis16-512x512.py')
CONFIGS = sorted(glob.glob(osp.join(CFG, '*.py')))


def test_there_are_paper_and_synthetic_configs():
    names = [osp.basename(c) for c in CONFIGS]
    assert sum('mit-b1' in n for n in names) == 2 and sum('mit-b2' in n for n in names) == 2
    assert sum(n.endswith('synthetic.py') for n in names) == 1


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmseg' and cfg.custom_imports.imports == ['hfan']
    assert cfg.default_hooks.fail_fast.type == 'FailFastHook'  # the shared runtime base
    assert cfg.default_hooks.visualization.type == 'VOSMaskVisualizationHook'
    pretrained = (cfg.model.backbone.backbone.init_cfg or {}).get('checkpoint')
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.decode_head.norm_cfg = dict(type='BN')  # SyncBN needs a process group
    model_cfg.backbone.backbone.init_cfg = None
    model = MODELS.build(model_cfg)
    assert type(model.decode_head).__name__ == 'HFANHead'
    assert model.decode_head.select_method == 'hfan'
    if 'mit-b2' in path:
        assert len(model.backbone.backbone.layers[2][1]) == 6
        assert model.decode_head.linear_fuse.conv.out_channels == 768
        assert pretrained == 'checkpoints/mit_b2_mmseg.pth'
    elif 'mit-b1' in path:
        assert len(model.backbone.backbone.layers[2][1]) == 2
        assert model.decode_head.linear_fuse.conv.out_channels == 256
        assert pretrained == 'checkpoints/mit_b1_mmseg.pth'


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_data_root_is_the_data_sets_own_root(path, monkeypatch):
    """DATA_ROOT is the DAVIS folder in every config (evaluation, and refine training);
    YTVOS_ROOT is the YouTube2SEG folder of the stage-1 training."""
    monkeypatch.setenv('DATA_ROOT', '/d/DAVIS')
    monkeypatch.setenv('YTVOS_ROOT', '/d/YouTube2SEG')
    cfg = Config.fromfile(path)
    assert cfg.test_dataloader.dataset.data_root == '/d/DAVIS'
    assert cfg.val_dataloader.dataset.data_root == '/d/DAVIS'
    train = cfg.train_dataloader.dataset
    if '160k_youtubevos' in path:
        assert (train.type, train.data_root, train.split) == ('DAVIS2SEGFrameFlowDataset',
                                                              '/d/YouTube2SEG', 'train')
    else:
        assert (train.type, train.data_root) == ('DAVIS2016FrameFlowDataset', '/d/DAVIS')
    assert train.pipeline[-2].type == 'PairPhotoMetricDistortion'


def test_synthetic_default_root_is_where_the_generator_writes(monkeypatch):
    monkeypatch.delenv('DATA_ROOT', raising=False)
    cfg = Config.fromfile(SYNTHETIC)
    assert cfg.train_dataloader.dataset.data_root == 'data/synthetic/hfan'
    assert cfg.test_dataloader.dataset.data_root == 'data/synthetic/hfan'


def test_medium_configs_inherit_the_small_ones():
    """b2 = b1 + encoder depth, decoder width and pretrained / stage-1 paths, nothing else."""
    for stage in ('2xb16-160k_youtubevos', '2xb8-4k-refine_davis16'):
        b1 = Config.fromfile(osp.join(CFG, f'hfan_mit-b1_{stage}-512x512.py')).to_dict()
        b2 = Config.fromfile(osp.join(CFG, f'hfan_mit-b2_{stage}-512x512.py')).to_dict()
        with open(osp.join(CFG, f'hfan_mit-b2_{stage}-512x512.py')) as f:
            assert f"_base_ = ['./hfan_mit-b1_{stage}-512x512.py']" in f.read()
        for cfg in (b1, b2):
            cfg['model']['backbone']['backbone'].pop('num_layers')
            cfg['model']['backbone']['backbone'].pop('init_cfg')
            cfg['model']['decode_head'].pop('embed_dim')
            cfg.pop('load_from', None)
        assert b1 == b2


# ----------------------------------------------------------------- test-time augmentation
def _write_pair(root, h, w, seed=0):
    """A frame and its flow picture (= 255 - frame, so any unpaired geometry shows)."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, (max(h // 16, 2), max(w // 16, 2), 3)).astype(np.float32)
    frame = np.clip(cv2.resize(coarse, (w, h)), 0, 255).astype(np.uint8)
    paths = dict(img_path=str(root / 'frame.jpg'), flow_path=str(root / 'flow.png'),
                 seg_map_path=str(root / 'mask.png'))
    cv2.imwrite(paths['img_path'], frame, [cv2.IMWRITE_JPEG_QUALITY, 100])
    cv2.imwrite(paths['flow_path'], 255 - mmcv.imread(paths['img_path']))
    mask = np.zeros((h, w), np.uint8)
    mask[h // 4:h // 2, w // 3:w // 2] = 255
    cv2.imwrite(paths['seg_map_path'], mask)
    return paths


def test_tta_pipeline_resizes_and_flips_frame_and_flow_together(tmp_path):
    """The paper config's --tta pipeline on a 854 x 480 DAVIS frame: 3 official scales
    (MultiScaleFlipAug img_scale (2048, 512) x 0.75 / 1 / 1.75, sizes rounded up to a multiple
    of 32) x 2 flips; in every view the flow half is still 255 - the frame half, and each
    flipped view is the mirror image of its unflipped view."""
    cfg = Config.fromfile(B2_REFINE)
    paths = _write_pair(tmp_path, 480, 854)
    out = Compose(cfg.tta_pipeline)(dict(paths, seq_name='s', frame_index=0))
    views, samples = out['inputs'], out['data_samples']
    assert len(views) == 6
    expected = []
    for r in (0.75, 1.0, 1.75):
        f = min(int(2048 * r) / 854, int(512 * r) / 480)
        h, w = int(480 * f + 0.5), int(854 * f + 0.5)
        expected += [(math.ceil(h / 32) * 32, math.ceil(w / 32) * 32)] * 2
    assert [tuple(v.shape[1:]) for v in views] == expected
    assert [bool(s.flip) for s in samples] == [False, True] * 3
    for i, view in enumerate(views):
        frame, flow = view[:3].int(), view[3:].int()
        assert (frame + flow - 255).abs().max() <= 1, i  # paired resize (+-1 rounding)
        if i % 2:
            assert torch.equal(view, views[i - 1].flip(-1)), i  # paired flip
        assert samples[i].ori_shape == (480, 854)


def test_tta_wrapper_merges_the_two_stream_views_correctly(tmp_path, monkeypatch):
    """tools/test.py --tta (cvshared.engine.launch.enable_tta, as mmseg's tools/test.py) on the
    synthetic config: SegTTAModel's prediction equals the average of the softmax of the six
    views computed here by hand (our own resize, flip, forward, un-flip and resize back), and
    the visualization hook draws it under the frame's sequence and name."""
    from cvshared.datasets.davis_synthetic import make_davis_synthetic
    root = tmp_path / 'd'
    make_davis_synthetic(str(root), num_train=1, num_val=1, num_frames=3, size=(64, 64))
    monkeypatch.setenv('DATA_ROOT', str(root))
    cfg = Config.fromfile(SYNTHETIC)
    enable_tta(cfg)
    torch.manual_seed(0)
    tta = MODELS.build(cfg.model).eval()
    with torch.no_grad():  # weights that give a spatially varying prediction
        for p in tta.parameters():
            if p.ndim > 1:
                p.normal_(0, 2 / p[0].numel() ** 0.5)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    item = dataset[1]
    with torch.no_grad():
        merged_sample = tta.test_step(pseudo_collate([item]))[0]
    merged = merged_sample.pred_sem_seg.data[0]
    # the visualization hook draws the merged prediction (tools/test.py --tta --show-dir)
    from types import SimpleNamespace

    from hfan.hooks import VOSMaskVisualizationHook
    VOSMaskVisualizationHook(draw=True, test_out_dir=str(tmp_path / 'vis')).after_test_iter(
        SimpleNamespace(work_dir=str(tmp_path), timestamp='t'), 0, outputs=[merged_sample])
    assert (tmp_path / 'vis' / 'synth-val-000' / '00001.png').is_file()
    info = dataset.get_data_info(1)
    pair = LoadFrameAndFlow()(dict(info))['img']
    module, probs = tta.module, []
    for r in (0.75, 1.0, 1.75):
        for flip in (False, True):
            size = int(64 * r)
            view = mmcv.imresize(pair, (size, size))  # 6 channels resized together
            if flip:
                view = view[:, ::-1]
            x = torch.from_numpy(np.ascontiguousarray(view)).permute(2, 0, 1)
            data = module.data_preprocessor(dict(inputs=[x]), False)
            with torch.no_grad():
                logits = module.encode_decode(
                    data['inputs'], [dict(img_shape=(size, size), pad_shape=(size, size))])
            logits = F.interpolate(logits, size=(64, 64), mode='bilinear', align_corners=False)
            if flip:
                logits = logits.flip(-1)
            probs.append(logits.softmax(1))
    manual = torch.stack(probs).mean(0).argmax(1)[0]
    assert 0 < manual.sum() < manual.numel()  # not a constant prediction
    assert (manual != merged).float().mean() < 1e-3  # a tie may differ on a pixel or two


# ----------------------------------------------------------------- photometric distortion
def test_pair_photometric_distortion_changes_each_image_independently():
    rng = np.random.default_rng(0)
    frame = rng.integers(30, 220, (16, 16, 3), dtype=np.uint8)
    img = np.concatenate([frame, frame], axis=-1)  # identical halves
    outs = []
    for seed in range(4):
        np.random.seed(seed)
        out = PairPhotoMetricDistortion()(dict(img=img.copy()))['img']
        assert out.shape == (16, 16, 6) and out.dtype == np.uint8
        # both halves distorted, with their own random draws (identical inputs differ)
        assert not np.array_equal(out[..., :3], frame) and not np.array_equal(out[..., 3:], frame)
        assert not np.array_equal(out[..., :3], out[..., 3:])
        outs.append(out)
    assert not np.array_equal(outs[0], outs[1])  # draws depend on the seed
    np.random.seed(1)
    np.testing.assert_array_equal(PairPhotoMetricDistortion()(dict(img=img.copy()))['img'],
                                  outs[1])
    with pytest.raises(ValueError, match='H x W x 3k'):
        PairPhotoMetricDistortion()(dict(img=img[..., :4]))


def test_training_pipeline_distorts_the_photometry(tmp_path, monkeypatch):
    """The synthetic config's training pipeline: the packed input is not the loaded pair with
    only geometry applied (the photometric step acts)."""
    from cvshared.datasets.davis_synthetic import make_davis_synthetic
    make_davis_synthetic(str(tmp_path), num_train=1, num_val=1, num_frames=2, size=(64, 64))
    monkeypatch.setenv('DATA_ROOT', str(tmp_path))
    cfg = Config.fromfile(SYNTHETIC)
    steps = cfg.train_dataloader.dataset.pipeline
    assert [s['type'] for s in steps].index('PairPhotoMetricDistortion') == len(steps) - 2
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    without = Compose([s for s in steps if s['type'] != 'PairPhotoMetricDistortion'])
    for seed in range(3):
        np.random.seed(seed)
        a = dataset.pipeline(dataset.get_data_info(0))['inputs']
        np.random.seed(seed)
        b = without(dataset.get_data_info(0))['inputs']
        assert a.shape == b.shape and not torch.equal(a, b), seed


# ----------------------------------------------------------------- paper spec
def test_paper_spec_numbers_and_protocols(tmp_path):
    """The paper's figures (official README / paper Tab. 4, HFAN-Medium on DAVIS-16 val),
    written here independently of paper.py, and their protocols."""
    assert SPEC.key == 'hfan'
    assert dict(SPEC.reported) == {'davis/J&F-Mean': 88.7, 'davis/J-Mean': 88.0,
                                   'davis/F-Mean': 89.3}
    assert SPEC.protocol_of('davis/J&F-Mean') == 'multi-scale + flip'
    assert SPEC.our_protocol(tta=True) == 'multi-scale + flip'
    assert SPEC.our_protocol(tta=False) == 'single-scale'
    assert dict(REPORTED_SINGLE_SCALE) == {'davis/J&F-Mean': 87.5, 'davis/J-Mean': 86.8,
                                           'davis/F-Mean': 88.2}
    for numbers in (SPEC.reported, REPORTED_SINGLE_SCALE):  # J&F = (J + F) / 2 to the print
        assert abs(numbers['davis/J&F-Mean'] - (numbers['davis/J-Mean']
                                                + numbers['davis/F-Mean']) / 2) <= 0.05
    for path in list(SPEC.runs.values()) + list(SPEC.synthetic_runs.values()):
        assert osp.isfile(osp.join(ROOT, path)), path
    assert Config.fromfile(osp.join(ROOT, SPEC.runs['mit-b2_davis16'])).tta_pipeline
    with pytest.raises(FileNotFoundError, match='FlowImages'):
        SPEC.check_data(str(tmp_path), 'any')
    SPEC.make_synthetic(str(tmp_path / 'syn'))
    assert len(list((tmp_path / 'syn/JPEGImages/480p').iterdir())) == 20
    SPEC.check_data(str(tmp_path / 'syn'), 'any')
