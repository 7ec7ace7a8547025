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
