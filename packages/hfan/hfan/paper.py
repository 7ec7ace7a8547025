"""HFAN reproduction recipe for ``tools/reproduce.py`` / ``tools/benchmark.py``."""
from __future__ import annotations

from cvshared.datasets.davis import check_davis2016
from cvshared.datasets.davis_synthetic import make_davis_synthetic
from cvshared.paper import PaperSpec


def make_synthetic(root: str) -> None:
    """16 training and 4 validation synthetic sequences (8 frames, 64 x 64) in DAVIS layout."""
    make_davis_synthetic(root, num_train=16, num_val=4, num_frames=8, size=(64, 64), seed=0)


def check_data(data_root: str, run_name: str) -> None:
    check_davis2016(data_root, 'val')
    check_davis2016(data_root, 'train')


SPEC = PaperSpec(
    key='hfan',
    title='Hierarchical Feature Alignment Network for Unsupervised Video Object Segmentation '
          '(Pei et al., ECCV 2022)',
    # The DAVIS-16 val run is the refine stage; it starts from the stage-1 (YouTube-VOS, 160k)
    # checkpoint given by HFAN_STAGE1_CHECKPOINT (see the README).
    # run names are work-dir folders and `make reproduce ... CATEGORY=<name>` selectors
    runs={'mit-b2_davis16': 'configs/hfan/hfan_mit-b2_2xb8-4k-refine_davis16-512x512.py'},
    synthetic_runs={'synthetic': 'configs/hfan/hfan_mit-tiny_1xb4-600it_davis-synthetic.py'},
    # README / paper Tab. 4, HFAN-Medium with multi-scale + flip test
    reported={'davis/J&F-Mean': 88.7, 'davis/J-Mean': 88.0, 'davis/F-Mean': 89.3},
    make_synthetic=make_synthetic,
    check_data=check_data,
    metric_scale=100.0,
    data_hint='DAVIS-2016 (https://davischallenge.org) plus one optical-flow image per frame '
              'under FlowImages/480p (the official HFAN release has them on Baidu Drive).',
    notes=['88.7 needs the two-stage schedule (YouTube-VOS 160k, then DAVIS 4k) and the '
           'multi-scale + flip test (--tta); single scale the paper reports 87.5 J&F.',
           'Synthetic numbers are on a toy data set and are not comparable to the paper.'],
    benchmark_config='configs/hfan/hfan_mit-b1_2xb8-4k-refine_davis16-512x512.py',
)
