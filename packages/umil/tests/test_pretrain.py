"""The K400 analogue: the synthetic action set, the pre-training tool that regenerates the
committed encoder checkpoint (tests/data/standin_actions_pretrained.pt), and its loading from
the config path (configs/umil/umil_standin-pt_6e_synthetic.py), as the real config loads
k400_32_8.pth."""
import os.path as osp

import numpy as np
import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from mmengine.registry import DefaultScope

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CKPT = osp.join(REPO, 'packages', 'umil', 'tests', 'data', 'standin_actions_pretrained.pt')
WORDS_CKPT = osp.join(REPO, 'packages', 'umil', 'tests', 'data',
                      'standin_actions_words_pretrained.pt')
TINY = dict(num_per_cell=2, num_val_per_cell=1, steps=3, batch_size=4)


def test_action_clips_are_balanced_over_scenes_and_deterministic():
    from umil.datasets.action_synthetic import ACTION_CLASSES, SCENES, make_action_clips
    clips, labels, scenes = make_action_clips(2, seed=3)
    assert clips.shape == (len(ACTION_CLASSES) * len(SCENES) * 2, 5, 48, 64, 3)
    assert clips.dtype == np.uint8
    # every (class, scene) cell holds the same count: the scene says nothing about the class
    for k in range(len(ACTION_CLASSES)):
        for s in ('A', 'B', ''):
            assert ((labels == k) & (scenes == s)).sum() == 2
    again = make_action_clips(2, seed=3)
    assert np.array_equal(again[0], clips) and np.array_equal(again[1], labels)
    assert not np.array_equal(make_action_clips(2, seed=4)[0], clips)
    # the event kind flickers: its frames are x 1.25 or x 0.8 of the scene; the empty street
    # stays at the scene's level. Mean intensity per clip, relative to the street's mean
    event = clips[labels == ACTION_CLASSES.index('bright_object_flicker')].mean((1, 2, 3, 4))
    street = clips[labels == ACTION_CLASSES.index('street')].mean((1, 2, 3, 4))
    assert np.abs(event / street.mean() - 1).min() > 0.1, (event, street)
    with pytest.raises(ValueError, match='unknown action classes'):
        make_action_clips(1, classes=('street', 'juggling'))


def test_the_word_classes_hold_the_events_parts_but_not_the_event():
    """The ``text='words'`` action set: the anomaly event (a bright object crossing WHILE the
    scene flickers) is no class of it; 'fast_object' has the object and no flicker, 'flicker'
    the flicker and no object (the generator's drawing per clip, read from the pixels)."""
    from umil.datasets.action_synthetic import WORD_CAPTIONS, WORD_CLASSES, make_action_clips
    assert 'bright_object_flicker' not in WORD_CLASSES
    assert sorted(WORD_CAPTIONS) == sorted(WORD_CLASSES)
    clips, labels, scenes = make_action_clips(2, seed=3, classes=WORD_CLASSES)
    assert clips.shape[0] == len(WORD_CLASSES) * 3 * 2
    x = clips.astype(np.int16)
    yellowish = ((x[..., 0] > 170) & (x[..., 1] > 160) & (x[..., 2] < 110)).sum((2, 3))
    # any of the bright colours (a channel > 200; in an unflickered clip only the 8 lane-mark
    # pixels of a row pass)
    bright = (x.max(-1) > 200).sum((2, 3))
    level = x.mean((1, 2, 3, 4))
    street = level[labels == WORD_CLASSES.index('street')]

    def cls(name):
        return labels == WORD_CLASSES.index(name)
    # the flicker scales the whole clip (x 1.25 or x 0.8): its level leaves the street's range
    flick = level[cls('flicker')]
    assert ((flick > street.max() * 1.05) | (flick < street.min() * 0.95)).all(), (flick, street)
    # the fast object is there (large and bright: >= 70 pixels in view at the middle frame)
    # in some frame of every clip; the flicker clips hold no object (their brightened
    # buildings pass the yellow test on at most 29 pixels, measured)
    assert (bright[cls('fast_object')].max(1) >= 60).all(), bright[cls('fast_object')]
    assert (bright[cls('street')].max(1) < 20).all(), bright[cls('street')]
    assert (yellowish[cls('flicker')].max(1) < 40).all(), yellowish[cls('flicker')]


def test_pretraining_is_deterministic_and_trains_only_the_encoder(tmp_path):
    from umil.pretrain import DEFAULTS, pretrain, save_encoder
    a, meta = pretrain(**TINY)
    b, _ = pretrain(**TINY)
    for (name, p), q in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(p, q), name
    # the heads and the class embeddings of UMIL are not pre-trained: still the fresh init
    torch.manual_seed(DEFAULTS['seed'])
    from umil.testing import UMILStandIn
    fresh = UMILStandIn(embed_dim=DEFAULTS['embed_dim'], channels=DEFAULTS['channels'])
    for name, p in fresh.state_dict().items():
        same = torch.equal(p, a.state_dict()[name])
        assert same == (not name.startswith('frame.')), name
    path = tmp_path / 'enc.pth'
    save_encoder(a, meta, str(path))
    ckpt = load_checkpoint_file(path)   # weights_only: plain tensors and types
    assert sorted(ckpt['state_dict']) == sorted(k for k in a.state_dict() if k.startswith('frame.'))
    assert ckpt['meta']['steps'] == 3
    with pytest.raises(TypeError, match='unknown pretrain settings'):
        pretrain(stepz=1)


def test_the_committed_checkpoint_is_the_tools_default_output():
    """The committed file is what ``python -m umil.pretrain OUT`` writes with its defaults (the
    tool regenerates it byte-identical on one CPU thread; measured twice, 2026-12-02); its
    held-out action accuracy was recorded at writing."""
    from umil.datasets.action_synthetic import ACTION_CLASSES
    from umil.pretrain import DEFAULTS
    meta = load_checkpoint_file(CKPT)['meta']
    # written before the 'text' setting existed: it is the random-embedding one
    assert {k: meta.get(k, 'random' if k == 'text' else None) for k in DEFAULTS} == DEFAULTS
    assert meta['classes'] == list(ACTION_CLASSES)
    # 5 classes (chance 0.2); 99.3 % measured on clips of another seed
    assert meta['val_accuracy'] >= 0.95, meta['val_accuracy']


def test_the_committed_words_checkpoint_is_the_tools_words_output():
    """``python -m umil.pretrain OUT --text words`` (regenerated byte-identical on one CPU
    thread, README): its settings, classes, captions and held-out accuracy."""
    from umil.datasets.action_synthetic import WORD_CAPTIONS, WORD_CLASSES
    from umil.pretrain import WORD_DEFAULTS
    meta = load_checkpoint_file(WORDS_CKPT)['meta']
    assert {k: meta[k] for k in WORD_DEFAULTS} == WORD_DEFAULTS
    assert meta['classes'] == list(WORD_CLASSES)
    assert meta['captions'] == [WORD_CAPTIONS[c] for c in WORD_CLASSES]
    # 6 classes (chance 0.17); 97.8 % measured on clips of another seed (fast_object 90 %)
    assert meta['val_accuracy'] >= 0.95, meta['val_accuracy']
    assert min(meta['val_accuracy_per_class'].values()) >= 0.85, meta['val_accuracy_per_class']


@pytest.mark.parametrize('config, ckpt, text', [
    ('umil_standin-pt_6e_synthetic.py', CKPT, 'random'),
    ('umil_standin-pt-words_6e_synthetic.py', WORDS_CKPT, 'words')])
def test_the_pretrained_config_loads_the_encoder_from_its_path(monkeypatch, config, ckpt, text):
    from mmengine.config import Config
    from umil.registry import MODELS
    from umil.word_text import text_features
    monkeypatch.setenv('UMIL_PRETRAINED', ckpt)
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'umil', config))
    assert cfg.model.backbone.init_cfg == dict(type='Pretrained', checkpoint=ckpt)
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(cfg.model)
    assert model.backbone.text == text
    prompts = text_features(['normal', 'abnormal'], 32)
    assert torch.equal(model.backbone.text_features, prompts) == (text == 'words')
    state = load_checkpoint_file(ckpt)['state_dict']
    before = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    assert not torch.equal(before['frame.0.weight'], state['frame.0.weight'])
    model.init_weights()
    after = model.backbone.state_dict()
    for k, v in state.items():
        assert torch.equal(after[k], v), k
    for k in ('head_video.weight', 'u_head_video.weight', 'text_features'):
        assert torch.equal(after[k], before[k]), k
