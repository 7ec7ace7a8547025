"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about MotionSqueeze."""
import os.path as osp

from cvshared.datasets.something import check_sthv2
from cvshared.paper import PaperSpec

from .datasets import make_synthetic

C = 'configs/motionsqueeze/'
# MSNet = TSM-R50 + MS module, ImageNet initialisation (paper Tables 2-4; card section 2)
RUNS = {
    'kinetics400_16f': (C + 'msnet_tsm-r50_1x1x16_75e_kinetics400.py', 76.4),
    'sthv1_16f': (C + 'msnet_tsm-r50_1x1x16_40e_sthv1.py', 52.1),
    'sthv2_8f': (C + 'msnet_tsm-r50_1x1x8_40e_sthv2.py', 63.0),
    'sthv2_16f': (C + 'msnet_tsm-r50_1x1x16_40e_sthv2.py', 64.7),
    # 77.4 is the paper's 3-split average: each split's run is compared with it, the three
    # runs together with their mean
    'hmdb51_split1': (C + 'msnet_tsm-r50_1x1x16_25e_hmdb51-split1.py', 77.4),
    'hmdb51_split2': (C + 'msnet_tsm-r50_1x1x16_25e_hmdb51-split2.py', 77.4),
    'hmdb51_split3': (C + 'msnet_tsm-r50_1x1x16_25e_hmdb51-split3.py', 77.4),
}


TREES = {
    'sthv1': ('{root}/   (Something-Something V1)\n'
              '  20bn-something-something-v1/<id>/<%05d>.jpg\n'
              '  something-something-v1-labels.csv\n'
              '  something-something-v1-{{train,validation}}.csv'),
    'kinetics400': ('{root}/   (Kinetics-400, mmaction2 video lists)\n'
                    '  kinetics400_{{train,val}}_list_videos.txt\n'
                    '  videos_{{train,val}}/<video>.mp4'),
    'hmdb51': ('{root}/   (HMDB51)\n'
               '  <class>/<video>.avi\n'
               '  testTrainMulti_7030_splits/<class>_test_split{{1,2,3}}.txt'),
}


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if the data set is not there."""
    if run_name.startswith('sthv2') or run_name == 'synthetic':
        check_sthv2(data_root, 'motionsqueeze')
        return
    need = {'sthv1': ('something-something-v1-labels.csv', TREES['sthv1']),
            'kinetics400': ('kinetics400_train_list_videos.txt', TREES['kinetics400']),
            'hmdb51': ('testTrainMulti_7030_splits', TREES['hmdb51'])}
    for prefix, (rel, tree) in need.items():
        if run_name.startswith(prefix) and not osp.exists(osp.join(data_root, rel)):
            raise FileNotFoundError(
                f'motionsqueeze ({run_name}): {osp.join(data_root, rel)} is missing; DATA_ROOT '
                f'must be the {prefix} root in its official layout:\n'
                f'{tree.format(root=data_root)}')


SPEC = PaperSpec(
    key='motionsqueeze',
    title='MotionSqueeze: Neural Motion Feature Learning for Video Understanding (Kwon, Kim, '
          'Kwak & Cho, ECCV 2020)',
    runs={name: cfg for name, (cfg, _) in RUNS.items()},
    synthetic_runs={'synthetic': C + 'msnet_tsm-r18_1x1x8_12e_synthetic.py'},
    # the mean over the seven runs (each run is compared with its own number)
    reported={'acc/top1': round(sum(v for _, v in RUNS.values()) / len(RUNS), 2)},
    reported_per_run={name: {'acc/top1': v} for name, (_, v) in RUNS.items()},
    metric_scale={'acc/top1': 100.0, 'acc/top5': 100.0, 'acc/mean1': 100.0},
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint=('Something-Something V2 (webm + labels/*.json), V1 (JPEG frames + csv), '
               'Kinetics-400 (mmaction2 video lists) or HMDB51 (videos + '
               'testTrainMulti_7030_splits); DATA_ROOT is the data set root (README, Data).'),
    protocol='1 clip, centre crop 224, validation set (SS-V1/V2, K400), test list (HMDB51)',
    test_protocol='1 clip, centre crop 224',
    notes=['Paper: K400 16f 76.4, SS-V1 16f 52.1, SS-V2 8f 63.0 / 16f 64.7, HMDB51 77.4 '
           '(3-split average: run hmdb51_split1..3, the mean of the three); --run <name> is '
           'compared with its own number.',
           'Synthetic mode: 4 motion directions of a translating texture (chance 25 %), '
           'TSM-R18 + MS module, CPU.'],
)
