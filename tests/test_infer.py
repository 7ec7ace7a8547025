"""tools/infer.py on tiny inputs with checkpoints saved from the configs' models (random
weights): the toy (exact outputs), MSFlow's synthetic config (anomaly map + score), HFAN's
(0/255 masks equal to the model's own test_step prediction) and STTS's (top-k scores equal to
the model's own test_step scores, video and frame folder alike)."""
import glob
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from cvshared.engine.weights import StrictLoadError
from repo_helpers import REPO, load_tool, toy_config


def _toy_checkpoint(path, w=(1.0, -2.0), b=0.5):
    torch.save({'state_dict': {'linear.weight': torch.tensor([list(w)]),
                               'linear.bias': torch.tensor([b])}, 'meta': {}}, path)
    return str(path)


def test_toy_inference_files_and_values(tmp_path):
    ckpt = _toy_checkpoint(tmp_path / 'toy.pth')
    a, b = tmp_path / 'a.txt', tmp_path / 'b.txt'
    a.write_text('1.0 0.0\n')    # logit 1 * 1 - 2 * 0 + 0.5 = 1.5
    b.write_text('0.0 1.0\n')    # logit -2 + 0.5 = -1.5
    out = tmp_path / 'out'
    payload = load_tool('infer').main([toy_config(), ckpt, str(a), str(b), '--out-dir',
                                       str(out), '--threshold', '1.0'])
    res = {osp.basename(r['input']): r for r in payload['results']}
    assert res['a.txt']['logit'] == pytest.approx(1.5) and res['a.txt']['label'] == 1
    assert res['b.txt']['logit'] == pytest.approx(-1.5) and res['b.txt']['label'] == 0
    assert res['a.txt']['positive'] is True and res['b.txt']['positive'] is False
    assert (out / 'a.txt').read_text().split() == ['1', '1.500000']
    saved = json.load(open(out / 'results.json'))
    assert saved['threshold'] == 1.0 and len(saved['results']) == 2


def test_toy_inference_is_strict(tmp_path):
    bad = tmp_path / 'bad.pth'
    torch.save({'state_dict': {'head.weight': torch.zeros(1, 2)}}, bad)
    point = tmp_path / 'p.txt'
    point.write_text('0 0\n')
    with pytest.raises(StrictLoadError, match='missing in the checkpoint: 2 keys'):
        load_tool('infer').main([toy_config(), str(bad), str(point)])


def test_missing_input_is_named(tmp_path):
    ckpt = _toy_checkpoint(tmp_path / 'toy.pth')
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        load_tool('infer').main([toy_config(), ckpt, str(tmp_path / 'nope.txt')])


@pytest.mark.paper('msflow')
def test_msflow_inference(tmp_path):
    """A random-weight MSFlow (the synthetic config's model) saved as a checkpoint: on two test
    images of the synthetic set, infer.py writes the anomaly map and the score of the model's
    own test_step on the config's test dataset, decides ``score >= threshold`` with a
    threshold between the two scores, and draws a picture of each."""
    from cvshared.engine.infer import inferencer_class
    from cvshared.engine.reproduce import ensure_synthetic, load_spec

    config = osp.join(REPO, 'configs', 'msflow', 'msflow_resnet18_synthetic.py')
    root = str(tmp_path / 'data')
    ensure_synthetic(load_spec('msflow'), root)
    cfg, model = _model_and_checkpoint(config, root, str(tmp_path / 'msflow.pth'))
    ckpt = str(tmp_path / 'msflow.pth')
    dataset, preds = _direct_predictions(cfg, model)
    pick = [0, len(dataset) - 1]
    images = [dataset.get_data_info(i)['img_path'] for i in pick]
    scores = [float(preds[i].pred_score) for i in pick]
    assert scores[0] != scores[1]
    threshold = sum(scores) / 2
    out = tmp_path / 'out'
    payload = load_tool('infer').main([config, ckpt, *images, '--out-dir', str(out),
                                       f'--threshold={threshold}'])
    for i, image, score, result in zip(pick, images, scores, payload['results']):
        name = osp.splitext(osp.basename(image))[0]
        amap = np.load(out / f'{name}_anomaly_map.npy')
        assert amap.shape == (cfg.img_size, cfg.img_size) == tuple(result['map_shape'])
        np.testing.assert_allclose(amap, preds[i].anomaly_map.numpy(), atol=1e-5, rtol=1e-5)
        assert result['score'] == pytest.approx(score, rel=1e-5)
        assert result['anomalous'] is (score >= threshold)
        assert (out / f'{name}.png').is_file()
    assert [r['anomalous'] for r in payload['results']].count(True) == 1
    again = inferencer_class(config)(config, ckpt)([images[0]])['results'][0]
    assert again['anomalous'] is None  # no threshold, no decision


# -- HFAN and STTS: the synthetic config's model with random weights ------------------------
def _synthetic_config(key):
    found = glob.glob(osp.join(REPO, 'configs', key, '*synthetic*.py'))
    assert len(found) == 1, f'expected one synthetic config of {key}, found {found}'
    return found[0]


def _model_and_checkpoint(config, data_root, ckpt):
    """The config's model (seeded random init) on ``data_root``, saved to ``ckpt``."""
    from cvshared.engine.launch import drop_pretrained, load_config
    from mmengine.registry import MODELS, init_default_scope
    from mmengine.utils import import_modules_from_strings

    cfg = load_config(config, None, None, data_root)
    drop_pretrained(cfg.model)
    import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.default_scope)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    return cfg, model


def _direct_predictions(cfg, model):
    """The model's own ``test_step`` on every sample of the config's test dataset (built from
    the config, with its full test pipeline: independent of the inferencer's input code)."""
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DATASETS

    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    out = []
    with torch.no_grad():
        for i in range(len(dataset)):
            out.append(model.test_step(pseudo_collate([dataset[i]]))[0])
    return dataset, out


def _mismatched(state, path):
    """The same weights with one key renamed: strict loading must refuse it."""
    state = dict(state)
    key = sorted(state)[0]
    state['renamed.' + key] = state.pop(key)
    torch.save({'state_dict': state, 'meta': {}}, path)
    return str(path), key


@pytest.mark.paper('hfan')
def test_hfan_inference(tmp_path):
    """Frames + flow images of the synthetic generator (48 x 64, not the config's 64 x 64):
    0/255 masks at the frame's size equal to the model's own prediction, through a DAVIS
    sequence folder and a FRAME:FLOW pair; --threshold thresholds the object probability."""
    import mmcv
    from cvshared.datasets.davis_synthetic import make_davis_synthetic

    root = str(tmp_path / 'davis')
    make_davis_synthetic(root, num_train=0, num_val=1, num_frames=2, size=(48, 64))
    config = _synthetic_config('hfan')
    ckpt = str(tmp_path / 'hfan.pth')
    cfg, model = _model_and_checkpoint(config, root, ckpt)
    dataset, preds = _direct_predictions(cfg, model)
    assert len(dataset) == 2
    seq = osp.join(root, 'JPEGImages', '480p', 'synth-val-000')
    flows = osp.join(root, 'FlowImages', '480p', 'synth-val-000')
    out = tmp_path / 'out'
    pair = f'{seq}/00001.jpg:{flows}/00001.jpg'
    payload = load_tool('infer').main([config, ckpt, seq, pair, '--out-dir', str(out)])
    assert len(payload['results']) == 3
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [i['frame_name'] for i in infos] == ['00000', '00001']
    for info, pred in zip(infos, preds):
        expected = pred.pred_sem_seg.data[0].numpy() > 0
        assert expected.shape == (48, 64)
        stem = info['frame_name']
        # the folder input writes under <sequence>/, the FRAME:FLOW pair (frame 1) directly
        folders = [out / 'synth-val-000'] + ([out] if stem == '00001' else [])
        for folder in folders:
            mask = mmcv.imread(str(folder / f'{stem}_mask.png'), flag='unchanged')
            assert mask.shape == (48, 64) and mask.dtype == np.uint8
            assert set(np.unique(mask)) <= {0, 255}
            np.testing.assert_array_equal(mask == 255, expected, err_msg=str(folder / stem))
            overlay = mmcv.imread(str(folder / f'{stem}.png'))
            frame = mmcv.imread(info['img_path'])
            assert overlay.shape == (48, 128, 3)  # frame | flow
            np.testing.assert_array_equal(overlay[:, :64][~expected], frame[~expected])
            if expected.any():  # the object is blended with red (BGR 0, 0, 255)
                assert (overlay[:, :64][expected][:, 2].astype(int)
                        >= frame[expected][:, 2]).all()
    fractions = [r['foreground'] for r in payload['results']]
    assert fractions[0] == pytest.approx(float((preds[0].pred_sem_seg.data[0] > 0)
                                               .float().mean()))
    assert payload['results'][0]['sequence'] == 'synth-val-000'
    assert payload['results'][2]['sequence'] is None
    # a threshold at the median object probability of frame 0: about half the frame is object
    prob = torch.softmax(preds[0].seg_logits.data, 0)[1]
    t = float(prob.median())
    inf = inferencer_class_of(config)(config, ckpt, threshold=t)
    res = inf([f'{seq}/00000.jpg:{flows}/00000.jpg'], out_dir=str(tmp_path / 'thr'))
    mask = mmcv.imread(str(tmp_path / 'thr' / '00000_mask.png'), flag='unchanged')
    np.testing.assert_array_equal(mask == 255, (prob > t).numpy())
    assert 0.3 < res['results'][0]['foreground'] < 0.7


def inferencer_class_of(config):
    from cvshared.engine.infer import inferencer_class
    return inferencer_class(config)


@pytest.mark.paper('hfan')
def test_hfan_inference_is_strict_and_needs_flow(tmp_path):
    from cvshared.datasets.davis_synthetic import make_davis_synthetic

    root = str(tmp_path / 'davis')
    make_davis_synthetic(root, num_train=0, num_val=1, num_frames=1, size=(32, 32))
    config = _synthetic_config('hfan')
    _, model = _model_and_checkpoint(config, root, str(tmp_path / 'ok.pth'))
    bad, key = _mismatched(model.state_dict(), tmp_path / 'bad.pth')
    frame = osp.join(root, 'JPEGImages', '480p', 'synth-val-000', '00000.jpg')
    flow = frame.replace('JPEGImages', 'FlowImages')
    with pytest.raises(StrictLoadError, match=r'missing in the checkpoint: 1 keys[\s\S]*'
                       r'unexpected in the checkpoint: 1 keys'):
        load_tool('infer').main([config, bad, f'{frame}:{flow}'])
    inf = inferencer_class_of(config)(config, str(tmp_path / 'ok.pth'))
    with pytest.raises(ValueError, match='needs its optical-flow image'):
        inf([frame])
    os.remove(flow)
    with pytest.raises(FileNotFoundError, match='have no flow image'):
        inf([osp.dirname(frame)])


@pytest.mark.paper('stts')
def test_stts_inference(tmp_path):
    """Synthetic .mp4 clips and a folder of one clip's frames: the top-k JSON (best first) and
    its sum equal the model's own test_step scores; the picture's kept frames are the model's
    selection; class names come from the config, else label numbers."""
    import cv2
    import decord
    from mmcv import imread
    from stts.datasets import CLASSES, make_synthetic_kinetics

    root = str(tmp_path / 'k400')
    make_synthetic_kinetics(root, num_train=1, num_val=2)
    config = _synthetic_config('stts')
    ckpt = str(tmp_path / 'stts.pth')
    cfg, model = _model_and_checkpoint(config, root, ckpt)
    dataset, preds = _direct_predictions(cfg, model)
    videos = [dataset.get_data_info(i)['filename'] for i in range(len(dataset))]
    assert len(videos) == len(preds) == 2
    # the frames of the first video decoded losslessly into a folder (same clip, no codec)
    frames = decord.VideoReader(videos[0])
    folder = tmp_path / 'frames'
    folder.mkdir()
    for i in range(len(frames)):
        cv2.imwrite(str(folder / f'{i:04d}.png'), frames[i].asnumpy()[..., ::-1])
    out = tmp_path / 'out'
    # class names: the synthetic config names its classes (default_hooks.visualization)
    payload = load_tool('infer').main([config, ckpt, *videos, '--out-dir', str(out)])
    assert len(payload['results']) == 2
    for video, pred, result in zip(videos, preds, payload['results']):
        scores = pred.pred_score
        values, labels = torch.topk(scores, 5)
        saved = json.load(open(out / (osp.splitext(osp.basename(video))[0] + '_scores.json')))
        assert saved['topk'] == result['topk']
        assert [t['label'] for t in saved['topk']] == labels.tolist()
        assert [t['name'] for t in saved['topk']] == [CLASSES[j] for j in labels.tolist()]
        np.testing.assert_allclose([t['score'] for t in saved['topk']], values.numpy(),
                                   rtol=1e-5)
        assert saved['score_sum'] == pytest.approx(float(scores.sum()), rel=1e-5)
        assert saved['pred_label'] == int(scores.argmax()) and saved['num_classes'] == 12
    # kept frames of the first video, from the backbone's own record after its test_step
    with torch.no_grad():
        from mmengine.dataset import pseudo_collate
        model.test_step(pseudo_collate([dataset[0]]))
    from stts.hooks.visualization import BAND, selection_of
    kept, _ = selection_of(model.backbone.last_selection, 0, 8)
    assert payload['results'][0]['kept_frames'] == kept and 0 < len(kept) < 8
    picture = imread(str(out / (osp.splitext(osp.basename(videos[0]))[0] + '.png')))
    assert picture.shape == (BAND + 32 + 4, 8 * (32 + 4), 3)
    # the frame folder: the same clip through the config's sampling -> the same scores
    # (and with the names removed from the config, the labels are shown as numbers)
    again = inferencer_class_of(config)(
        config, ckpt, cfg_options={'default_hooks.visualization.class_names': None})(
            [str(folder)], out_dir=str(tmp_path / 'f'))
    res = again['results'][0]
    assert [t['label'] for t in res['topk']] == [t['label'] for t in payload['results'][0]['topk']]
    np.testing.assert_allclose([t['score'] for t in res['topk']],
                               [t['score'] for t in payload['results'][0]['topk']], rtol=1e-4)
    assert res['topk'][0]['name'] == str(res['topk'][0]['label'])  # no names without config
    assert (tmp_path / 'f' / 'frames.png').is_file()


@pytest.mark.paper('stts')
def test_stts_inference_is_strict(tmp_path):
    from stts.datasets import make_synthetic_kinetics

    root = str(tmp_path / 'k400')
    make_synthetic_kinetics(root, num_train=1, num_val=1)
    config = _synthetic_config('stts')
    _, model = _model_and_checkpoint(config, root, str(tmp_path / 'ok.pth'))
    bad, _ = _mismatched(model.state_dict(), tmp_path / 'bad.pth')
    video = glob.glob(osp.join(root, 'videos_val', '*', '*.mp4'))[0]
    with pytest.raises(StrictLoadError, match=r'missing in the checkpoint: 1 keys[\s\S]*'
                       r'unexpected in the checkpoint: 1 keys'):
        load_tool('infer').main([config, bad, video])
