"""HGPU reproduction recipe for ``tools/reproduce.py`` / ``tools/benchmark.py``."""
from __future__ import annotations

from cvshared.datasets.davis import check_davis16_pairs
from cvshared.paper import PaperSpec


def make_synthetic(root: str) -> None:
    """The synthetic DAVIS-16 set in the official HGPU layout (frames, flow images, HED maps,
    masks): 16 training and 4 validation sequences of 8 frames, 64 x 64."""
    from cvshared.datasets.davis_synthetic import make_davis_synthetic
    make_davis_synthetic(root, num_train=16, num_val=4, num_frames=8, size=(64, 64), seed=0,
                         frame_pairs=True)


def check_data(data_root: str, run_name: str) -> None:
    check_davis16_pairs(data_root, 'val')
    check_davis16_pairs(data_root, 'train')


SPEC = PaperSpec(
    key='hgpu',
    title='Hierarchical Graph Pattern Understanding for Zero-Shot Video Object Segmentation '
          '(Pei et al., IEEE TIP 2023)',
    # the DAVIS-16 run is the main training; it starts from the YouTube-VOS pre-training
    # checkpoint (configs/hgpu/hgpu_r101_4xb5-30e_youtubevos-512x512.py, see the README)
    runs={'r101_davis16': 'configs/hgpu/hgpu_r101_4xb5-30e_davis16-512x512.py'},
    synthetic_runs={'synthetic': 'configs/hgpu/hgpu_r18_1xb4-300it_synthetic.py'},
    # official README, DAVIS-16 val, full model (flip test + DenseCRF)
    reported={'davis/J-Mean': 86.0},
    protocol='flip + DenseCRF',
    test_protocol='single-scale',
    tta_protocol='flip',
    make_synthetic=make_synthetic,
    check_data=check_data,
    metric_scale=100.0,
    data_hint='DAVIS-2016 (https://davischallenge.org) with the official HGPU extras: one '
              'optical-flow image per frame pair and HED edge maps (Google Drive links in the '
              'official README).',
    notes=['86.0 is the official README figure of the full model (flip test + DenseCRF, two '
           'stages: YouTube-VOS pre-training, then DAVIS-16). The README also gives 78.6 for '
           'the pre-training-only checkpoint and 80.3 for the main-training one.',
           'The official test script runs the "pre" mode (1 message round) on 11 of the 20 '
           'val videos and "main" (5 rounds) on the other 9 (see the README).',
           'Synthetic numbers are on a toy data set and are not comparable to the paper.'],
    benchmark_config='configs/hgpu/hgpu_r101_4xb5-30e_davis16-512x512.py',
)
