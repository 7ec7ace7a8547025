"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about umil."""
import os.path as osp

from cvshared.paper import PaperSpec

from .datasets.synthetic import make_synthetic

TREE = """<DATA_ROOT>/
  labels/{UCF,TAD}_{train,test}.txt     (the official lists, from the UMIL repository)
  frames/<Class>/<video>.mp4/img_00000000.jpg ...   (UCF-Crime; TAD: frames/{abnormal,normal}/)"""


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if the lists are not there."""
    prefix = 'TAD' if run_name == 'tad' else 'UCF'
    for split in ('train', 'test'):
        path = osp.join(data_root, 'labels', f'{prefix}_{split}.txt')
        if not osp.isfile(path):
            raise FileNotFoundError(f'umil: {path} is missing. Expected:\n{TREE}')


SPEC = PaperSpec(
    key='umil',
    title='Unbiased Multiple Instance Learning for Weakly Supervised Video Anomaly Detection '
          '(Lv et al., CVPR 2023)',
    runs={'ucf-crime': 'configs/umil/umil_xclip-b32_40e_ucf-crime.py',
          'tad': 'configs/umil/umil_xclip-b32_40e_tad.py'},
    synthetic_runs={'synthetic': 'configs/umil/umil_standin_6e_synthetic.py'},
    # the mean of UCF-Crime 86.75 and TAD 92.93 (the papers table); a run selection is
    # compared with its own runs' numbers (reported_per_run)
    reported={'video_anomaly/AUC': 89.84},
    reported_per_run={'ucf-crime': {'video_anomaly/AUC': 86.75},
                      'tad': {'video_anomaly/AUC': 92.93}},
    metric_scale={'video_anomaly/AUC': 100.0},
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='UCF-Crime / TAD frames (img_{:08}.jpg from 0) and the official labels/ lists '
              '(README, Data); DATA_ROOT is the data set root.',
    protocol='frame AUC, 16 clips x 5 frames per test video, 32-segment smoothing; the '
             'official reports the best epoch on the test set, we report the last checkpoint',
    notes=['Paper: UCF-Crime AUC 86.75, TAD AUC 92.93; `--run ucf-crime` / `--run tad` is '
           'compared with its own number, both runs with their mean (89.84).',
           'Synthetic mode: street scenes with injected fast bright objects, the tiny stand-in '
           'video model, CPU.'],
)
