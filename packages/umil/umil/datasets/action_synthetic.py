"""A synthetic action-classification set: the Kinetics-400 stand-in on which the stand-in video
encoder is pre-trained (``umil.pretrain``), as the official X-CLIP is pre-trained on K400
before UMIL fine-tunes it on UCF-Crime / TAD.

Clips of ``clip_len`` frames ``interval`` frames apart (the UMIL clips' sampling, 5 x 6), drawn
in the street scenes of the anomaly set (:mod:`cvshared.datasets.video_anomaly_synthetic`) with
its walkers and sensor noise, each clip one motion / appearance *kind*
(:data:`ACTION_CLASSES`, the ``text='random'`` pre-training): one of them is the kind the
anomaly events are made of (a large bright object crossing fast while the scene flickers), the
others are other things that move or change in a street (a slow dark vehicle, a small object
falling, a crowd of walkers, the empty street). The ``text='words'`` pre-training (the text
prior's analogue, :mod:`umil.word_text`) uses :data:`WORD_CLASSES` instead, with captions
(:data:`WORD_CAPTIONS`) of which three carry the word ``'abnormal'`` (a fast bright object of
one of four colours, no flicker; the scene flickering, no object; a small falling object) and
three ``'normal'`` (the empty street, a slow vehicle, a crowd): the anomaly event is none of
them, only the combination of the first two. Every class is drawn equally often in each scene
type (``'A'``, ``'B'``, the tints of the context-biased anomaly set, and untinted), so the
scene says nothing about the class: pre-training gives no scene shortcut. The generator has
its own seed and never writes or reads an anomaly video. Frames pass through a JPEG round
trip (quality 90, as the anomaly set's files) and are returned as uint8 ``[N, T, H, W, 3]``.
"""
from __future__ import annotations

import io

import numpy as np
from cvshared.datasets.video_anomaly_synthetic import scene_type_tint, street_scene

#: The classes, in label order, of the ``text='random'`` pre-training (the checkpoint
#: ``standin_actions_pretrained.pt``). ``'bright_object_flicker'`` is the anomaly events' kind.
ACTION_CLASSES = ('street', 'bright_object_flicker', 'slow_vehicle', 'falling_object', 'crowd')
#: The classes of the ``text='words'`` pre-training (``standin_actions_words_pretrained.pt``):
#: none of them is the anomaly events' kind; the event (a bright object crossing fast WHILE the
#: scene flickers) is the combination of two of them, ``'fast_object'`` (no flicker) and
#: ``'flicker'`` (no object).
WORD_CLASSES = ('street', 'slow_vehicle', 'crowd', 'fast_object', 'flicker', 'falling_object')
#: Their captions in the synthetic vocabulary (:mod:`umil.word_text`): the attribute word
#: ``'normal'`` / ``'abnormal'`` is shared by three classes each, and the prompts of UMIL's
#: anomaly head (``'normal'``, ``'abnormal'``) are made of the same words.
WORD_CAPTIONS = {'street': 'normal empty street', 'slow_vehicle': 'normal slow vehicle',
                 'crowd': 'normal walking crowd', 'fast_object': 'abnormal fast object',
                 'flicker': 'abnormal flickering light',
                 'falling_object': 'abnormal falling object'}
KINDS = tuple(dict.fromkeys(ACTION_CLASSES + WORD_CLASSES))
#: Colours of the ``'fast_object'`` kind (RGB, + noise): the anomaly events' yellow among
#: other bright ones.
FAST_COLOURS = ((250, 240, 60), (245, 245, 235), (250, 150, 40), (240, 80, 220))
#: Scene types, balanced within every class (None: untinted).
SCENES = ('A', 'B', None)


def _jpeg(img: np.ndarray) -> np.ndarray:
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(buf, format='JPEG', quality=90)
    buf.seek(0)
    return np.asarray(Image.open(buf).convert('RGB'))


def _clip(rng: np.random.Generator, kind: str, scene_type, h: int, w: int, clip_len: int,
          interval: int) -> np.ndarray:
    scene = street_scene(rng, h, w)
    if scene_type is not None:
        scene = scene_type_tint(scene, scene_type)
    n_walkers = int(rng.integers(9, 14)) if kind == 'crowd' else 3
    walkers = [(int(rng.integers(h // 2, h - 4)), int(rng.integers(0, w)),
                int(rng.choice([-1, 1]))) for _ in range(n_walkers)]
    span = (clip_len - 1) * interval
    # the moving thing of the clip: start position, speed (pixels per frame), size, colour
    direction = int(rng.choice([-1, 1]))
    if kind == 'fast_object':
        speed = rng.uniform(1.2, 4.0)
        oh, ow = int(rng.integers(11, 17)), int(rng.integers(13, 19))
        top = int(np.clip(h // 3 + rng.integers(-4, 5), 0, h - oh))
        base = np.array(FAST_COLOURS[int(rng.integers(0, len(FAST_COLOURS)))], float)
        colour = np.clip(base + rng.normal(0, 8, 3), 0, 255)
    elif kind == 'bright_object_flicker':
        speed = rng.uniform(1.2, 4.0)
        oh, ow = int(rng.integers(11, 17)), int(rng.integers(13, 19))
        top = int(np.clip(h // 3 + rng.integers(-4, 5), 0, h - oh))
        colour = np.clip(np.array([250, 240, 60]) + rng.normal(0, 8, 3), 0, 255)
    elif kind == 'slow_vehicle':
        speed = rng.uniform(0.3, 0.8)
        oh, ow = int(rng.integers(10, 15)), int(rng.integers(20, 28))
        top = int(rng.integers(h // 2, h - oh))
        colour = rng.uniform(20, 60) * np.ones(3)
    elif kind == 'falling_object':
        speed = rng.uniform(1.0, 2.0)
        oh, ow = int(rng.integers(6, 10)), int(rng.integers(6, 10))
        top = 0
        colour = np.clip(np.array([60, 200, 230]) + rng.normal(0, 8, 3), 0, 255)
    else:
        speed, oh, ow, top, colour = 0.0, 0, 0, 0, None
    # where the crossing is at the clip's middle frame: inside the frame, except for the
    # bright object, whose clips also show it entering or leaving (or just gone, the flicker
    # still on), as an action's clips show its start and end
    # (the fast object of the 'words' classes: in the frame at the middle frame)
    lo, hi = {'bright_object_flicker': (-0.3, 1.3), 'fast_object': (0.1, 0.9)}.get(
        kind, (0.25, 0.75))
    centre = rng.uniform(lo, hi) * w
    phase = int(rng.integers(0, 2))   # the flicker's parity (frames of one clip share it)
    frames = []
    for i in range(clip_len):
        t = i * interval
        img = scene + rng.normal(0, 3, scene.shape)
        for y, x, d in walkers:
            xx = (x + d * t) % w
            img[y - 3:y, max(xx - 1, 0):xx + 1] = 30
        dt = t - span / 2
        if kind in ('bright_object_flicker', 'slow_vehicle', 'fast_object'):
            cx = int(round(centre + direction * speed * dt))
            img[top:top + oh, max(cx - ow // 2, 0):max(cx + ow // 2, 0)] = colour
        elif kind == 'falling_object':
            cx = int(centre)
            cy = int(round(h / 2 + speed * dt))
            img[max(cy - oh // 2, 0):max(cy + oh // 2, 0), cx - ow // 2:cx + ow // 2] = colour
        if kind in ('bright_object_flicker', 'flicker'):
            img = img * (1.25 if (t + phase) % 2 else 0.8)
        frames.append(_jpeg(img))
    return np.stack(frames)


def make_action_clips(num_per_cell: int = 40, size=(48, 64), clip_len: int = 5,
                      interval: int = 6, seed: int = 0, classes=ACTION_CLASSES):
    """``num_per_cell`` clips of every (class, scene type) pair, shuffled.

    Returns ``(clips uint8 [N, clip_len, H, W, 3], labels int64 [N], scenes [N])`` with
    ``scenes`` in ``'A'``, ``'B'``, ``''`` (untinted). Deterministic per ``seed``.
    """
    unknown = set(classes) - set(KINDS)
    if unknown:
        raise ValueError(f'unknown action classes {sorted(unknown)}; known: {KINDS}')
    rng = np.random.default_rng([seed, 400])   # 400: not a seed the anomaly set draws from
    h, w = size
    clips, labels, scenes = [], [], []
    for label, kind in enumerate(classes):
        for scene_type in SCENES:
            for _ in range(num_per_cell):
                clips.append(_clip(rng, kind, scene_type, h, w, clip_len, interval))
                labels.append(label)
                scenes.append(scene_type or '')
    order = rng.permutation(len(clips))
    return (np.stack(clips)[order], np.asarray(labels, np.int64)[order],
            np.asarray(scenes)[order])
