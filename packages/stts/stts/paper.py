"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about STTS."""
from cvshared.paper import PaperSpec

from .datasets import check_kinetics, make_synthetic_kinetics

# Official README / paper Table (Kinetics-400 val, top-1 %, GFLOPs per view).
PAPER_TABLE = {
    # config stem: (top-1, GFLOPs)
    'stts-t0-09-s4-09_mvit-b-16x4_20e_kinetics400': (78.1, 56.4),
    'stts-t0-08-s4-09_mvit-b-16x4_20e_kinetics400': (77.9, 47.2),
    'stts-t0-06-s4-09_mvit-b-16x4_20e_kinetics400': (77.5, 38.1),
    'stts-t0-05-s4-07_mvit-b-16x4_20e_kinetics400': (76.6, 23.3),
    'stts-t0-04-s4-06_mvit-b-16x4_20e_kinetics400': (75.6, 12.1),
    'stts-t0-09_swin-b-p244-w877_10e_kinetics400': (81.9, 252.5),
    'stts-t0-08_swin-b-p244-w877_10e_kinetics400': (81.6, 223.4),
    'stts-t0-06_swin-b-p244-w877_10e_kinetics400': (81.4, 181.4),
    'stts-t0-05_swin-b-p244-w877_10e_kinetics400': (81.1, 121.6),
    'stts-t0-04_swin-b-p244-w877_10e_kinetics400': (80.7, 91.4),
}

SPEC = PaperSpec(
    key='stts',
    title='Efficient Video Transformers with Spatial-Temporal Token Selection (STTS), ECCV 2022',
    # headline setting: VideoSwin-B T^0_0.6 (the backbone whose STTS code we match exactly)
    runs={'swin-b_t0-06': 'configs/stts/stts-t0-06_swin-b-p244-w877_10e_kinetics400.py'},
    synthetic_runs={'synthetic': 'configs/stts/stts-t0-05_swin-tiny_10e_synthetic.py'},
    reported={'acc/top1': 81.4, 'flops/gflops': 181.4},
    # accuracies are fractions (x100 for the paper's %); GFLOPs are already in the paper's unit
    metric_scale={'acc/top1': 100.0, 'acc/top5': 100.0, 'acc/mean1': 100.0},
    make_synthetic=make_synthetic_kinetics,
    check_data=check_kinetics,
    data_hint=('Kinetics-400 videos in mmaction2 video-list layout (mmaction2 '
               'tools/data/kinetics: download, then generate kinetics400_{train,val}_list_videos'
               '.txt); set DATA_ROOT to the folder holding the lists and videos_{train,val}/.'),
    notes=[
        'GFLOPs per view are added to the test metrics as flops/gflops (and '
        'flops/gflops_unselected) by STTSGFLOPsHook.',
        'Other settings of the paper table: see stts.paper.PAPER_TABLE and configs/stts/.',
        'Synthetic mode: 12 classes (3 colours x 4 motion directions, chance 8.3 %), tiny Swin, '
        'CPU.',
    ],
    # tools/benchmark.py uses the synthetic run; paper clip sizes: tools/benchmark_selection.py
    benchmark_config=None,
    # No official timing is recorded; the paper's GFLOPs per view are the official figures.
    official_benchmark={
        'setting': 'paper / official README, Kinetics-400, one view (no timing recorded)',
        'GFLOPs, VideoSwin-B T0_0.6, 32x224x224': 181.4,
        'GFLOPs, MViT-B T0_0.6 S4_0.9, 16x224x224': 38.1},
)
