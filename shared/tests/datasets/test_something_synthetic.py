"""The synthetic motion-only set (``cvshared.datasets.something_synthetic``)."""
import hashlib
import json
import os
import os.path as osp

import numpy as np
import pytest
from cvshared.datasets.something_synthetic import (
    SYNTHETIC_TEMPLATES,
    render_motion_clip,
    synthetic_classes,
    write_synthetic_sthv2,
)

SIZE = (32, 32)
MAX_SHIFT = 3


def _shift_errors(frames: np.ndarray) -> np.ndarray:
    """Mean squared difference between consecutive frames after undoing each cyclic shift
    ``(dy, dx)`` in ``[-3, 3]^2`` (a correlation volume of 49 displacements), averaged over time."""
    f = frames.astype(np.float64) @ np.array([0.299, 0.587, 0.114])      # luma
    a, b = f[:-1], f[1:]
    # sum_x a(x - s) b(x) for every cyclic shift s, by FFT
    cross = np.real(np.fft.ifft2(np.fft.fft2(b) * np.conj(np.fft.fft2(a)))).sum(0)
    mse = ((a ** 2).sum() + (b ** 2).sum() - 2 * cross) / a.size
    idx = np.arange(-MAX_SHIFT, MAX_SHIFT + 1)
    return mse[np.ix_(idx % f.shape[1], idx % f.shape[2])]


def _estimated_velocity(frames: np.ndarray) -> tuple[int, int]:
    i, j = np.unravel_index(np.argmin(_shift_errors(frames)), (2 * MAX_SHIFT + 1,) * 2)
    return int(i) - MAX_SHIFT, int(j) - MAX_SHIFT


def _digest(root: str) -> dict:
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = osp.join(dirpath, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


@pytest.fixture(scope='module')
def synthetic(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('sthv2'))
    return write_synthetic_sthv2(root, num_classes=4, num_train=2, num_val=1, num_frames=8,
                                 size=SIZE, seed=0)


def test_official_json_layout(synthetic):
    with open(synthetic['labels']) as f:
        labels = json.load(f)
    # released format: template without brackets -> index as a string
    assert labels == {t.replace('[', '').replace(']', ''): str(i)
                      for i, t in enumerate(SYNTHETIC_TEMPLATES)}
    for split, n in (('train', 8), ('validation', 4)):
        with open(synthetic[split]) as f:
            entries = json.load(f)
        assert len(entries) == n
        for e in entries:
            assert sorted(e) == ['id', 'label', 'placeholders', 'template']
            assert e['template'].count('[something]') == 1
            assert e['label'] == e['template'].replace('[something]', e['placeholders'][0]).lower()
            cls = synthetic['videos'][e['id']][0]
            assert labels[e['template'].replace('[', '').replace(']', '')] == str(cls)
            assert osp.isfile(osp.join(synthetic['video_dir'], e['id'] + '.webm'))
    with open(synthetic['test']) as f:
        assert [sorted(e) for e in json.load(f)] == [['id']] * 4


def test_videos_decode_with_decord_and_pyav_and_show_their_class_motion(synthetic):
    import av
    import decord
    classes = synthetic['classes']
    for vid, (cls, num_frames, _) in synthetic['videos'].items():
        path = osp.join(synthetic['video_dir'], vid + '.webm')
        vr = decord.VideoReader(path)
        a = vr.get_batch(list(range(len(vr)))).asnumpy()
        with av.open(path) as container:
            assert container.streams.video[0].codec_context.name == 'vp9'
            b = np.stack([fr.to_ndarray(format='rgb24') for fr in container.decode(video=0)])
        assert a.shape == b.shape == (num_frames, *SIZE, 3)
        assert np.array_equal(a, b)
        # the motion in the decoded (lossy) file is the class's velocity
        assert _estimated_velocity(a) == classes[cls]['velocity'], vid


def test_byte_deterministic_per_seed(tmp_path, synthetic):
    kw = dict(num_classes=4, num_train=2, num_val=1, num_frames=8, size=SIZE)
    write_synthetic_sthv2(str(tmp_path / 'a'), seed=0, **kw)
    write_synthetic_sthv2(str(tmp_path / 'b'), seed=1, **kw)
    same, other = _digest(str(tmp_path / 'a')), _digest(str(tmp_path / 'b'))
    assert same == _digest(synthetic['root'])
    assert sorted(other) == sorted(same)
    differ = [k for k in same if k.endswith('.webm') and same[k] != other[k]]
    assert len(differ) == 12


def test_subprocess_encoder_writes_the_same_bytes(tmp_path):
    # the fallback used once decord's FFmpeg libraries were loaded before PyAV's
    from cvshared.datasets import something_synthetic as S
    frames = render_motion_clip(np.random.default_rng(0), (0, 2), 5, SIZE)
    if S._pyav_encoder_works('libvpx-vp9'):
        S._encode_in_process(str(tmp_path / 'a.webm'), frames, S.FPS, 'libvpx-vp9', 4)
    else:   # another test of this xdist worker imported decord first: the in-process
        # reference is made in a fresh interpreter that loads the module from its file and
        # calls _encode_in_process itself (not the script entry point under test)
        import subprocess
        import sys
        np.save(tmp_path / 'frames.npy', frames)
        code = ('import importlib.util, sys, numpy as np; '
                's = importlib.util.spec_from_file_location("ss", sys.argv[1]); '
                'm = importlib.util.module_from_spec(s); s.loader.exec_module(m); '
                'm._encode_in_process(sys.argv[2], np.load(sys.argv[3]), m.FPS, "libvpx-vp9", 4)')
        subprocess.run([sys.executable, '-c', code, S.__file__, str(tmp_path / 'a.webm'),
                        str(tmp_path / 'frames.npy')], check=True)
    S._encode_in_subprocess([(str(tmp_path / 'b.webm'), frames),
                             (str(tmp_path / 'c.webm'), frames[::-1].copy())],
                            S.FPS, 'libvpx-vp9', 4)
    a, b, c = ((tmp_path / n).read_bytes() for n in ('a.webm', 'b.webm', 'c.webm'))
    assert a == b and b != c


def test_vp8_is_available(tmp_path):
    import av
    from cvshared.datasets.something_synthetic import write_webm
    frames = render_motion_clip(np.random.default_rng(0), (2, 0), 5, SIZE)
    write_webm(str(tmp_path / 'v.webm'), frames, codec='libvpx')
    with av.open(str(tmp_path / 'v.webm')) as container:
        assert container.streams.video[0].codec_context.name == 'vp8'
        decoded = np.stack([f.to_ndarray(format='rgb24') for f in container.decode(video=0)])
    assert decoded.shape == frames.shape
    assert _estimated_velocity(decoded) == (2, 0)


def test_first_frame_does_not_depend_on_the_class():
    # same generator state, different classes: the appearance draws are identical, frame 0 too
    clips = [render_motion_clip(np.random.default_rng(5), c['velocity'], 6, SIZE)
             for c in synthetic_classes(8, SIZE)]
    for clip, c in zip(clips, synthetic_classes(8, SIZE)):
        assert np.array_equal(clip[0], clips[0][0])
        # every frame is a cyclic shift of frame 0 (stationary texture: same statistics)
        vy, vx = c['velocity']
        for t in range(6):
            assert np.array_equal(clip[t], np.roll(clip[0], (t * vy, t * vx), axis=(0, 1)))
    assert not np.array_equal(clips[0][1], clips[1][1])


def _softmax_regression_accuracy(x_tr, y_tr, x_te, y_te, steps=300, lr=0.5, l2=1e-2):
    """Multinomial logistic regression by full-batch gradient descent (no sklearn import,
    which takes seconds on the loaded machine); test accuracy."""
    mean, std = x_tr.mean(0), x_tr.std(0) + 1e-9
    x_tr, x_te = (x_tr - mean) / std, (x_te - mean) / std
    k = int(y_tr.max()) + 1
    w, b = np.zeros((x_tr.shape[1], k)), np.zeros(k)
    onehot = np.eye(k)[y_tr]
    for _ in range(steps):
        z = x_tr @ w + b
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        g = (p - onehot) / len(y_tr)
        w -= lr * (x_tr.T @ g + l2 * w)
        b -= lr * g.sum(0)
    return float(np.mean(np.argmax(x_te @ w + b, 1) == y_te))


def test_single_frames_are_at_chance_frame_pairs_far_above():
    rng = np.random.default_rng(0)
    classes = synthetic_classes(4, SIZE)
    n_per_class, frames = 80, 4
    single, pair, y = [], [], []
    for _ in range(n_per_class):
        for cls, c in enumerate(classes):
            clip = render_motion_clip(rng, c['velocity'], frames, SIZE)
            t = int(rng.integers(frames))
            img = clip[t].astype(np.float64) / 255
            small = img.reshape(8, 4, 8, 4, 3).mean((1, 3)).ravel()       # 8x8x3 thumbnail
            hist = np.concatenate([np.histogram(img[..., ch], 8, (0, 1))[0] for ch in range(3)])
            single.append(np.concatenate([small, hist / img[..., 0].size]))
            pair.append(_shift_errors(clip).ravel() / (img.var() * 255 ** 2 + 1e-6))
            y.append(cls)
    y = np.array(y)
    split = len(y) * 3 // 5
    accs = {}
    for name, x in (('single', np.array(single)), ('pair', np.array(pair))):
        accs[name] = _softmax_regression_accuracy(x[:split], y[:split], x[split:], y[split:])
    # 128 test clips, chance 0.25 (std 0.038); measured seed 0: single 0.24, pair 1.00
    assert accs['single'] < 0.25 + 4 * np.sqrt(0.25 * 0.75 / (len(y) - split)), accs
    assert accs['pair'] > 0.95, accs


def test_bad_class_settings_raise():
    with pytest.raises(ValueError, match='num_classes must be 2, 4 or 8'):
        synthetic_classes(5)
    with pytest.raises(ValueError, match='two different speeds'):
        synthetic_classes(8, speeds=(2, 2))
    with pytest.raises(ValueError, match='must be in 1..15'):
        synthetic_classes(4, size=(32, 32), speeds=(16,))
