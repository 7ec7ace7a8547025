"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about hcml."""
import os.path as osp

from cvshared.datasets.something import check_sthv2
from cvshared.paper import PaperSpec

from .datasets import make_synthetic

C = 'configs/hcml/'
RUNS = {
    'ucf101_split1': C + 'hcml_tsm-r50_1x1x8_50e_ucf101-split1.py',
    'hmdb51_split1': C + 'hcml_tsm-r50_1x1x8_50e_hmdb51-split1.py',
    'sthv1': C + 'hcml_tsm-r50_1x1x8_50e_sthv1.py',
    'kinetics400': C + 'hcml_tsm-r50_1x1x8_100e_kinetics400.py',
}
TREES = {
    'ucf101': ('{root}/   (UCF101)\n  ucfTrainTestlist/{{classInd,trainlist0k,testlist0k}}.txt\n'
               '  UCF-101/<class>/<video>.avi', 'ucfTrainTestlist/classInd.txt'),
    'hmdb51': ('{root}/   (HMDB51)\n  <class>/<video>.avi\n'
               '  testTrainMulti_7030_splits/<class>_test_split{{1,2,3}}.txt',
               'testTrainMulti_7030_splits'),
    'sthv1': ('{root}/   (Something-Something V1)\n  20bn-something-something-v1/<id>/<%05d>.jpg\n'
              '  something-something-v1-{{labels,train,validation}}.csv',
              'something-something-v1-labels.csv'),
    'kinetics400': ('{root}/   (Kinetics-400, mmaction2 video lists)\n'
                    '  kinetics400_{{train,val}}_list_videos.txt\n'
                    '  videos_{{train,val}}/<video>.mp4',
                    'kinetics400_train_list_videos.txt'),
}


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if the data set is not there."""
    if run_name.startswith('synthetic'):
        check_sthv2(data_root, 'hcml')
        return
    for prefix, (tree, rel) in TREES.items():
        if run_name.startswith(prefix) and not osp.exists(osp.join(data_root, rel)):
            raise FileNotFoundError(
                f'hcml ({run_name}): {osp.join(data_root, rel)} is missing; DATA_ROOT must be '
                f'the {prefix} root in its official layout:\n{tree.format(root=data_root)}')


SPEC = PaperSpec(
    key='hcml',
    title='Hierarchical Contrastive Motion Learning for Video Action Recognition (Yang, Yang, '
          'Liu, Sun, Davis & Kautz, BMVC 2021)',
    runs=RUNS,
    synthetic_runs={'synthetic': C + 'hcml_r18_1x1x8_12e_synthetic.py',
                    'synthetic_base': C + 'tsn_r18_1x1x8_12e_synthetic.py'},
    reported={},
    reported_not_found=('only the abstract of arXiv 2007.10321 could be read (search tool, '
                        'pages and docs corpora, 2026-12-03: paperswithcode, deepai, arxiv '
                        'abstract pages); the paper\'s tables could not be retrieved'),
    metric_scale={'acc/top1': 100.0, 'acc/top5': 100.0},
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint=('UCF101 (UCF-101/ + ucfTrainTestlist/), HMDB51 (videos + '
               'testTrainMulti_7030_splits), Something-Something V1 (JPEG frames + csv) or '
               'Kinetics-400 (mmaction2 video lists); DATA_ROOT is the data set root (README).'),
    test_protocol='1 clip, centre crop 224 (synthetic: 1 clip, full 64 x 64 frames)',
    notes=['Synthetic mode: 4 motion directions of a translating texture (chance 25 %), '
           '2D ResNet-18 + HCML (run "synthetic") vs the same ResNet-18 TSN without it '
           '("synthetic_base"), same schedule, CPU.'],
)
