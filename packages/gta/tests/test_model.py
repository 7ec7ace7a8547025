"""The package around the block: the synthetic order set (layout, read back by the shared
SS-V2 reader, the property that makes the task need temporal order), the data checks, the
paper configs (they build, the GTA blocks sit where the configs say, I3D's T at the blocks),
the attention picture and its hook, the inferencer, and the checkpoint converter."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIGS = osp.join(REPO, 'configs', 'gta')
SYNTHETIC = osp.join(CONFIGS, 'gta_tsm-r18_1x1x8_10e_synthetic.py')


def _build(cfg):
    from gta.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmaction'):
        return MODELS.build(cfg)


def test_order_clips_differ_only_in_the_order_of_two_far_apart_frames():
    """With the same random draws, the class-0 and class-1 clips share the background, the two
    event frames (>= min_gap apart) and the two square places; only which colour comes first
    differs (so the set of frame contents is drawn alike for both classes)."""
    from gta.datasets import render_order_clip
    red, blue = (230, 40, 40), (40, 40, 230)
    for seed in range(6):
        c0 = render_order_clip(np.random.default_rng(seed), 0, 8, (32, 32), 4)
        c1 = render_order_clip(np.random.default_rng(seed), 1, 8, (32, 32), 4)
        events = [t for t in range(8) if ((c0[t] == red).all(-1) | (c0[t] == blue).all(-1)).any()]
        assert len(events) == 2 and events[1] - events[0] >= 4
        first, second = events
        for clip, colours in ((c0, (red, blue)), (c1, (blue, red))):
            assert (clip[first] == colours[0]).all(-1).sum() == 64
            assert (clip[second] == colours[1]).all(-1).sum() == 64
        same = [t for t in range(8) if t not in events]
        assert (c0[same] == c1[same]).all()
        assert ((c0[first] == red).all(-1) == (c1[first] == blue).all(-1)).all()


def test_synthetic_set_is_read_back_by_the_shared_sthv2_reader(tmp_path):
    from cvshared.datasets.something import SthV2Dataset
    from gta.datasets import make_synthetic
    videos = make_synthetic(str(tmp_path), num_train=2, num_val=1)
    assert sorted(videos.values()) == [0, 0, 0, 1, 1, 1]
    data = SthV2Dataset(ann_file='labels/something-something-v2-train.json',
                        data_root=str(tmp_path), data_prefix=dict(video='20bn-something-'
                                                                        'something-v2'))
    assert [data.get_data_info(i)['label'] for i in range(len(data))] == [0, 1, 0, 1]


def test_missing_data_shows_the_tree(tmp_path):
    from gta.paper import SPEC
    for run, needle in (('sthv1_tsm', 'something-something-v1-train.csv'),
                        ('sthv2_i3d', 'something-something-v2-train.json'),
                        ('kinetics400_tsm', 'kinetics400_train_list_videos.txt')):
        with pytest.raises(FileNotFoundError) as err:
            SPEC.check_data(str(tmp_path / 'none'), run)
        assert needle in str(err.value) and str(tmp_path / 'none') in str(err.value)
    with pytest.raises(ValueError, match='unknown run'):
        SPEC.check_data(str(tmp_path), 'ucf101')


@pytest.mark.parametrize('name, backbone, places', [
    ('gta_tsm-r50_1x1x8_50e_sthv1.py', 'ResNetTSMWithBlocks',
     ['layer2_0', 'layer2_2', 'layer3_0', 'layer3_2', 'layer3_4']),
    ('gta_i3d-r50_32x2x1_100e_kinetics400.py', 'ResNet3dWithBlocks',
     ['layer2_1', 'layer2_3', 'layer3_1', 'layer3_3', 'layer3_5'])])
def test_paper_configs_place_the_blocks(name, backbone, places):
    cfg = Config.fromfile(osp.join(CONFIGS, name)).model
    cfg.backbone.pretrained = None
    cfg.backbone.pretrained2d = False
    model = _build(cfg)
    assert type(model.backbone).__name__ == backbone
    assert sorted(model.backbone.stage_blocks) == places
    t = {blk.num_segments for blk in model.backbone.stage_blocks.values()}
    assert t == ({8} if 'tsm' in name else {4})  # I3D: 32 frames / 2 / 2 / 2 at layer2


def test_i3d_blocks_see_their_t_and_reject_another_clip_length():
    """The I3D config's T = 4 at layer2 / layer3 holds for a 32-frame clip (a forward through
    a depth-18 copy of the config's backbone), and a 16-frame clip is a clear error."""
    from gta.models import ResNet3dWithBlocks
    cfg = Config.fromfile(osp.join(CONFIGS, 'gta_i3d-r50_32x2x1_100e_kinetics400.py'))
    skip = ('type', 'blocks', 'depth', 'pretrained2d', 'pretrained', 'inflate')
    kw = {k: v for k, v in cfg.model.backbone.items() if k not in skip}
    block = dict(cfg.gta_block, in_channels=128, num_heads=2, num_regions=2)
    net = ResNet3dWithBlocks(18, pretrained=None, pretrained2d=False, blocks=[
        dict(stage='layer2', position=1, block=block)],
        inflate=((1, 1), (1, 0), (1, 0), (0, 1)), **kw)
    net.eval()  # (mmaction2's ResNet3d.train returns None)
    with torch.no_grad():
        assert net(torch.randn(1, 3, 32, 32, 32)).shape[2] == 4
        with pytest.raises(ValueError, match=r'learned 4 x 4 matrix.*T = 2'):
            net(torch.randn(1, 3, 16, 32, 32))


def test_draw_sample_lays_out_heads_and_levels():
    from gta.hooks import draw_sample
    a = np.zeros((2, 3, 4, 4), np.float32)
    a[1, 2, 3, 0] = 1.0  # second level, third head, frame 3 reads frame 0
    pic = draw_sample(a, pred_label=1, gt_label=1, zoom=2, gap=1, border=3)
    assert pic.shape == (2 * 3 + 2 * 8 + 1, 2 * 3 + 3 * 8 + 2, 3)
    assert tuple(pic[0, 0]) == (0, 200, 0)
    y, x = 3 + 1 * 9 + 3 * 2, 3 + 2 * 9 + 0 * 2
    assert (pic[y:y + 2, x:x + 2] == 255).all() and pic[3:11, 3:11].max() == 0
    assert tuple(draw_sample(a, 0, 1)[0, 0]) == (220, 0, 0)
    assert tuple(draw_sample(a, 0)[0, 0]) == (128, 128, 128)
    with pytest.raises(ValueError, match=r'\(K, M, T, T\)'):
        draw_sample(a[:, :, :3], 0)


def test_model_attention_reads_every_block_and_level():
    from gta.hooks import model_attention
    from gta.models import GTABlock
    net = torch.nn.Sequential(GTABlock(8, 3, num_heads=2, num_regions=2),
                              GTABlock(8, 3, levels=('pixel',), num_heads=2))
    maps = model_attention(net)
    assert maps.shape == (3, 2, 3, 3)
    torch.testing.assert_close(torch.from_numpy(maps[2]), net[1].attention('pixel'))
    np.testing.assert_allclose(maps.sum(-1), 1.0, atol=1e-6)
    with pytest.raises(ValueError, match='no GTABlock'):
        model_attention(torch.nn.Linear(2, 2))


def test_inferencer_reads_a_video_and_draws_the_attention(tmp_path):
    from gta.datasets import make_synthetic
    from gta.infer import INFERENCER
    from PIL import Image
    make_synthetic(str(tmp_path / 'data'), num_train=1, num_val=1)
    video = sorted(glob.glob(str(tmp_path / 'data' / '20bn-something-something-v2' / '*.webm')))[0]
    torch.manual_seed(0)
    model = _build(Config.fromfile(SYNTHETIC).model)
    model.init_weights()
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'model.pth')
    payload = INFERENCER(SYNTHETIC, str(tmp_path / 'model.pth'))([video],
                                                                 out_dir=str(tmp_path / 'o'))
    result = payload['results'][0]
    assert len(result['scores']) == 2 and abs(sum(result['scores']) - 1) < 1e-4
    assert result['pred_label'] == int(np.argmax(result['scores']))
    picture = np.asarray(Image.open(result['files'][0]))
    # 2 levels x 4 heads of 8 x 8 maps at zoom 8, gap 2, border 3
    assert picture.shape == (2 * 3 + 2 * 64 + 2, 2 * 3 + 4 * 64 + 3 * 2, 3)


def test_convert_keeps_mmaction2_names_and_rejects_the_rest():
    from gta.convert import convert, to_official
    plain = _build(Config.fromfile(SYNTHETIC).model)
    sd = {('module.' + k): v for k, v in to_official(plain.state_dict()).items()}
    ours = convert(sd)
    missing, unexpected = plain.load_state_dict(ours, strict=False)
    assert not unexpected and missing and all('.stage_blocks.' in k for k in missing)
    with pytest.raises(KeyError, match='non_local_block'):
        convert({'backbone.layer2.0.non_local_block.g.conv.weight': torch.zeros(1)})
