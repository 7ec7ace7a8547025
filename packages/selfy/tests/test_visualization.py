"""The STSS picture (draw_sample, the hook's capture of the block's STSS), the inferencer on a
video file, and the data checks of selfy."""
import numpy as np
import pytest
import torch


def test_draw_sample_lays_out_offsets_and_frames():
    from selfy.hooks import draw_sample
    t, h, w, length, u, v = 3, 4, 4, 5, 9, 9
    stss = np.full((t, h, w, length, u, v), -1.0, np.float32)
    stss[1, 2, 2, 3, 4, 6] = 1.0  # frame 1, centre query, offset +1, displacement (0, +2)
    pic = draw_sample(stss, pred_label=2, gt_label=2, zoom=4, gap=2, border=3)
    assert pic.shape == (2 * 3 + t * 9 * 4 + (t - 1) * 2, 2 * 3 + length * 9 * 4 + 4 * 2, 3)
    assert tuple(pic[0, 0]) == (0, 200, 0)  # right prediction: green border
    y = 3 + 1 * (36 + 2) + 4 * 4   # row of frame 1, cell u = 4
    x = 3 + 3 * (36 + 2) + 6 * 4   # column of offset index 3, cell v = 6
    assert (pic[y:y + 4, x:x + 4] == 255).all()
    assert (pic[3:3 + 36, 3:3 + 36] == 0).all()  # similarity -1 is black
    assert tuple(draw_sample(stss, 1, 2)[0, 0]) == (220, 0, 0)
    assert tuple(draw_sample(stss, 1)[0, 0]) == (128, 128, 128)
    with pytest.raises(ValueError, match=r'\(T, h, w, L, U, V\)'):
        draw_sample(stss[0], 0)


def test_capture_stss_sees_the_block_output():
    from selfy.hooks.visualization import capture_stss
    from selfy.models import SELFYBlock
    torch.manual_seed(0)
    model = torch.nn.Sequential(SELFYBlock(16, 8, num_segments=4)).eval()
    x = torch.rand(8, 16, 12, 12)
    with capture_stss(model) as seen, torch.no_grad():
        model(x)
    assert len(seen) == 1 and seen[0].shape == (2, 4, 6, 6, 1, 5, 9, 9)
    with torch.no_grad():
        torch.testing.assert_close(seen[0], model[0].stss_transformation(x))
    with pytest.raises(ValueError, match='no SELFYBlock'):
        with capture_stss(torch.nn.Linear(2, 2)):
            pass


def test_check_layout_shows_the_tree(tmp_path):
    from selfy.paper import SPEC
    with pytest.raises(FileNotFoundError) as err:
        SPEC.check_data(str(tmp_path / 'none'), 'sthv2')
    assert 'something-something-v2-train.json' in str(err.value)
    assert str(tmp_path / 'none') in str(err.value)
    with pytest.raises(ValueError, match='unknown run'):
        SPEC.check_data(str(tmp_path), 'kinetics')


def test_inferencer_reads_a_video_and_draws_its_stss(tmp_path):
    """tools/infer.py's path: a synthetic webm through the synthetic config's test pipeline and
    a saved checkpoint -> 4 class scores summing to 1, the argmax as the label, and the picture
    of the STSS grid (8 frames x 5 offsets of 9 x 9 maps, zoom 8, gap 2, border 3)."""
    import glob
    import os.path as osp

    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from PIL import Image
    from selfy.datasets import make_synthetic
    from selfy.infer import INFERENCER
    from selfy.registry import MODELS
    repo = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    config = osp.join(repo, 'configs', 'selfy', 'selfy_tsm-r18_1x1x8_6e_synthetic.py')
    make_synthetic(str(tmp_path / 'data'), num_train=1, num_val=1)
    video = sorted(glob.glob(str(tmp_path / 'data' / '20bn-something-something-v2' / '*.webm')))[0]
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(Config.fromfile(config).model)
    model.init_weights()
    block = model.backbone.stage_blocks['layer2_after']
    block.stss_integration.upsample[1].weight.data.fill_(0.5)  # the block matters
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'model.pth')
    payload = INFERENCER(config, str(tmp_path / 'model.pth'))([video], out_dir=str(tmp_path / 'o'))
    result = payload['results'][0]
    assert len(result['scores']) == 4 and abs(sum(result['scores']) - 1) < 1e-4
    assert result['pred_label'] == int(np.argmax(result['scores']))
    picture = np.asarray(Image.open(result['files'][0]))
    assert picture.shape == (2 * 3 + 8 * 72 + 7 * 2, 2 * 3 + 5 * 72 + 4 * 2, 3)
    assert tuple(picture[0, 0]) == (128, 128, 128)  # no ground truth: grey border
