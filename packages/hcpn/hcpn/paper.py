"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about hcpn."""
from __future__ import annotations

import os.path as osp

from cvshared.datasets.davis import check_davis16_pairs
from cvshared.datasets.davis_synthetic import make_davis_synthetic
from cvshared.paper import PaperSpec


def make_synthetic(root: str) -> None:
    """12 training and 4 validation synthetic sequences (6 frames, 64 x 64) in the DAVIS
    layout, with HED-like edge maps and contour ground truth."""
    make_davis_synthetic(root, num_train=12, num_val=4, num_frames=6, size=(64, 64), seed=0,
                         frame_pairs=True)


#: The test benchmarks of the paper's main table besides DAVIS-16: config and the official
#: README's numbers (flip test + dense CRF). In their runs DATA_ROOT is the benchmark's folder
#: and DAVIS_ROOT the DAVIS-16 one the model trains on (:func:`check_data`).
BENCHMARKS = {
    'youtube_objects': dict(
        config='configs/hcpn/hcpn_r101_2xb5-25e_davis16-512x512_test-youtube-objects.py',
        reported={'youtube_objects/J-Mean': 73.3}),
    'fbms': dict(
        config='configs/hcpn/hcpn_r101_2xb5-25e_davis16-512x512_test-fbms.py',
        reported={'fbms/J-Mean': 78.3}),
    'davis17': dict(
        config='configs/hcpn/hcpn_r101_2xb5-25e_davis16-512x512_test-davis17-unsup.py',
        reported={'davis17/J&F-Mean': 70.7, 'davis17/J-Mean': 68.7, 'davis17/F-Mean': 72.7}),
}
#: official README, DAVIS-16 val, 512 x 512, flip test + dense CRF
REPORTED_DAVIS16 = {'davis/J&F-Mean': 85.6, 'davis/J-Mean': 85.8, 'davis/F-Mean': 85.4}


def make_benchmark_fixture(root: str, benchmark: str, num_videos: int = 2,
                           num_frames: int = 6, size: tuple[int, int] = (64, 64),
                           seed: int = 0) -> dict[str, list[str]]:
    """A tiny synthetic tree in the layout of a test benchmark (``youtube_objects``, ``fbms``,
    ``davis17``; :mod:`cvshared.datasets.davis`), made from synthetic DAVIS frame-pair videos
    (frames, ``<k>_<k+1>.png`` flow images, masks). Sparse benchmarks (YouTube-Objects, FBMS)
    keep the masks of frames 1, 3 and n - 1 only (so the last frame, predicted from the second
    mask of the last pair, is scored); DAVIS-17 gets dense masks with two instance ids (the
    object's left half 1, its right half 2) and ``ImageSets/2017/val.txt``.

    Returns ``{video: [annotated frame stems]}`` (video = ``<category>/<video>`` for
    YouTube-Objects)."""
    import os
    import shutil
    import tempfile

    import cv2
    import numpy as np
    if benchmark not in BENCHMARKS:
        raise KeyError(f'unknown benchmark {benchmark!r}; known: {list(BENCHMARKS)}')
    annotated = {}
    with tempfile.TemporaryDirectory() as tmp:
        make_davis_synthetic(tmp, num_train=0, num_val=num_videos, num_frames=num_frames,
                             size=size, seed=seed, frame_pairs=True)
        for i in range(num_videos):
            src = f'synth-val-{i:03d}'
            video = f'{("car", "dog")[i % 2]}/{src}' if benchmark == 'youtube_objects' else src
            if benchmark == 'davis17':
                dirs = dict(img='JPEGImages/480p', ann='Annotations_unsupervised/480p',
                            flow='davis-flow')
                keep = list(range(num_frames))
            else:
                dirs = dict(img='JPEGImages', ann='Annotations', flow='flow')
                keep = sorted({1, 3, num_frames - 1} & set(range(num_frames)))
            for key, src_dir in (('img', 'JPEGImages/480p'), ('flow', 'davis-flow')):
                shutil.copytree(osp.join(tmp, src_dir, src), osp.join(root, dirs[key], video))
            os.makedirs(osp.join(root, dirs['ann'], video), exist_ok=True)
            stems = []
            for t in keep:
                stem = f'{t:05d}'
                mask = cv2.imread(osp.join(tmp, 'Annotations/480p', src, stem + '.png'),
                                  cv2.IMREAD_UNCHANGED) > 0
                if benchmark == 'davis17':
                    cols = np.nonzero(mask.any(0))[0]
                    middle = (cols.min() + cols.max() + 1) // 2 if cols.size else 0
                    ids = np.where(np.arange(mask.shape[1]) < middle, 1, 2)[None]
                    out = (mask * ids).astype(np.uint8)
                else:
                    out = mask.astype(np.uint8) * 255
                cv2.imwrite(osp.join(root, dirs['ann'], video, stem + '.png'), out)
                stems.append(stem)
            annotated[video] = stems
    if benchmark == 'davis17':
        os.makedirs(osp.join(root, 'ImageSets/2017'), exist_ok=True)
        with open(osp.join(root, 'ImageSets/2017/val.txt'), 'w') as f:
            f.write(''.join(f'{v}\n' for v in annotated))
    return annotated


def check_data(data_root: str, run_name: str) -> None:
    """DAVIS-16 runs: the DAVIS folder at ``data_root``. A benchmark run (``r101_fbms``, ...)
    tests at ``data_root`` (the benchmark's folder) the DAVIS-16 model it trains on the folder
    ``DAVIS_ROOT`` names."""
    import os
    bench = BENCHMARKS.get(run_name.replace('r101_', '', 1))
    if bench is None:
        check_davis16_pairs(data_root, 'val')
        check_davis16_pairs(data_root, 'train', with_contour=True)
        return
    if not osp.isdir(data_root):
        raise FileNotFoundError(
            f'run {run_name!r} tests on the benchmark at DATA_ROOT={data_root!r}, not a folder '
            f'(layout in {bench["config"]})')
    davis = os.environ.get('DAVIS_ROOT')
    if not davis:
        raise FileNotFoundError(
            f'run {run_name!r} trains the DAVIS-16 model it tests: set DAVIS_ROOT to the DAVIS '
            'folder (DATA_ROOT is the benchmark\'s; layouts in packages/hcpn/README.md, Data)')
    check_davis16_pairs(davis, 'val')
    check_davis16_pairs(davis, 'train', with_contour=True)


SPEC = PaperSpec(
    key='hcpn',
    title='Hierarchical Co-attention Propagation Network for Zero-Shot Video Object '
          'Segmentation (Pei et al., IEEE TIP 2023)',
    # the DAVIS-16 run fine-tunes the YouTube-VOS pre-training checkpoint
    # (HCPN_STAGE1_CHECKPOINT; see the README)
    # each run trains the DAVIS-16 model (stage 2) and tests it on its benchmark; in the
    # benchmark runs DATA_ROOT is the benchmark's folder and DAVIS_ROOT the DAVIS-16 one
    runs={'r101_davis16': 'configs/hcpn/hcpn_r101_2xb5-25e_davis16-512x512.py',
          **{f'r101_{k}': v['config'] for k, v in BENCHMARKS.items()}},
    synthetic_runs={'synthetic': 'configs/hcpn/hcpn_r18-standin_1xb4-300it_synthetic.py'},
    # official README, 512 x 512, flip test + dense CRF; one metric prefix per benchmark
    reported={**REPORTED_DAVIS16,
              **{k: v for b in BENCHMARKS.values() for k, v in b['reported'].items()}},
    reported_per_run={'r101_davis16': REPORTED_DAVIS16,
                      **{f'r101_{k}': v['reported'] for k, v in BENCHMARKS.items()}},
    protocol='flip + dense CRF',
    test_protocol='model.flip_test (paper configs: flip; synthetic: none), no CRF',
    make_synthetic=make_synthetic,
    check_data=check_data,
    metric_scale=100.0,
    data_hint='DAVIS-2016 (https://davischallenge.org) with the RAFT flow images, HED maps and '
              'contour ground truth of the official HCPN release (Google Drive / Dubox links in '
              'https://github.com/NUST-Machine-Intelligence-Laboratory/HCPN).',
    benchmark_config='configs/hcpn/hcpn_r101_2xb5-25e_davis16-512x512.py',
    # measured side by side (packages/hcpn/tools/bench_official.py; README, Benchmark)
    official_benchmark={
        'setting': 'official EncoderNet + DecoderNet vs ours, 3 x ResNet-101, same weights, CPU, '
                   '1 thread, interleaved (packages/hcpn/tools/bench_official.py; README): '
                   'inference 512 x 512 batch 1 eval, load ~6, 2 pairs; train step (forward, '
                   'official Loss x 4, backward, SGD) 64 x 64 batch 2, load ~13, 7 pairs',
        'inference, one forward (s)': 18.55,
        'ours, same run (s)': 16.99,
        'train step 64 x 64 batch 2, median (s)': 46.23,
        'ours, same run, train step median (s)': 42.10,
        'train step official / ours, median of 7 pairs': 1.149},
    notes=['Paper numbers: flip test + dense CRF (set model.crf=True), official README. '
           'YouTube-Objects (mean of the 10 categories\' J), FBMS (J) and DAVIS-17 '
           'unsupervised test the DAVIS-16 model; DAVIS-17: our single foreground mask scored '
           'against the union of the objects (our choice; packages/hcpn/README.md).',
           'Synthetic numbers are on a toy data set with a small ResNet-18 stand-in and are '
           'not comparable to the paper.'],
)
