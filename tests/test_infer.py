"""tools/infer.py on tiny inputs with checkpoints saved from the configs' models (random
weights): the toy (exact outputs), and MSFlow's synthetic config (anomaly map + score)."""
import json
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


def test_msflow_inference(tmp_path):
    """A random-weight MSFlow (the synthetic config's model) saved as a checkpoint: infer.py
    writes an anomaly map of the config's image size, a picture and a score equal to the
    model's own prediction on the same image."""
    from cvshared.engine.infer import inferencer_class
    from cvshared.engine.launch import drop_pretrained, load_config
    from mmengine.registry import MODELS, init_default_scope
    from mmengine.utils import import_modules_from_strings
    from PIL import Image

    config = osp.join(REPO, 'configs', 'msflow', 'msflow_resnet18_synthetic.py')
    cfg = load_config(config, None, None, str(tmp_path / 'unused'))
    drop_pretrained(cfg.model)
    import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.default_scope)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    ckpt = str(tmp_path / 'msflow.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    rng = np.random.default_rng(0)
    img = tmp_path / 'part.png'
    Image.fromarray(rng.integers(0, 255, (96, 80, 3), dtype=np.uint8)).save(img)
    out = tmp_path / 'out'
    payload = load_tool('infer').main([config, ckpt, str(img), '--out-dir', str(out),
                                       '--threshold=-1e30'])
    result = payload['results'][0]
    amap = np.load(out / 'part_anomaly_map.npy')
    assert amap.shape == (cfg.img_size, cfg.img_size) and result['map_shape'] == list(amap.shape)
    assert np.isfinite(amap).all() and amap.std() > 0
    assert (out / 'part.png').is_file()
    assert result['anomalous'] is True  # any finite score is above -1e30
    # the same image through the inferencer object without the tool: same score
    inf = inferencer_class(config)(config, ckpt)
    again = inf([str(img)])['results'][0]
    assert again['score'] == pytest.approx(result['score'], rel=1e-5)
    assert again['anomalous'] is None  # no threshold, no decision
