"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about collabmem."""
from cvshared.datasets.action import check_kinetics, check_kinetics700, missing_error
from cvshared.paper import PaperSpec

from .datasets.synthetic import make_synthetic

KINETICS400 = 'configs/collabmem/collabmem_i3d-r50_3x32x2_100e_kinetics400.py'


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if the data set is not there."""
    import os.path as osp
    if run_name == 'kinetics400':
        check_kinetics(data_root, run_name)
    elif run_name == 'kinetics700':
        check_kinetics700(data_root, run_name)
    elif run_name == 'charades':
        from cvshared.datasets.action import charades_tree
        for name in ('Charades_v1_train.csv', 'Charades_v1_test.csv', 'Charades_v1_classes.txt'):
            if not osp.isfile(osp.join(data_root, name)):
                raise missing_error('Charades file', osp.join(data_root, name),
                                    charades_tree(data_root))
    elif run_name == 'sthv1':
        from cvshared.datasets.something import sthv1_tree
        for name in ('something-something-v1-labels.csv', 'something-something-v1-train.csv',
                     'something-something-v1-validation.csv'):
            if not osp.isfile(osp.join(data_root, name)):
                raise missing_error('SS-V1 file', osp.join(data_root, name),
                                    sthv1_tree(data_root))
    else:
        raise KeyError(f'collabmem has no run {run_name!r}')


SPEC = PaperSpec(
    key='collabmem',
    title='Beyond Short Clips: End-to-End Video-Level Learning with Collaborative Memories '
          '(Yang, Fan, Torresani, Davis, Wang; CVPR 2021, arXiv 2104.01198)',
    runs={'kinetics400': KINETICS400,
          'kinetics700': 'configs/collabmem/collabmem_i3d-r50_3x32x2_100e_kinetics700.py',
          'charades': 'configs/collabmem/collabmem_i3d-r50_3x32x2_50e_charades.py',
          'sthv1': 'configs/collabmem/collabmem_i3d-r50_3x8x1_50e_sthv1.py'},
    synthetic_runs={'synthetic': 'configs/collabmem/collabmem_r3d-tiny_2x4x1_10e_synthetic.py'},
    reported={},
    reported_not_found='no official code; the stored pages (CVF open-access page, ar5iv '
                       '2104.01198, three summaries) give the abstract, the introduction\'s '
                       'opening and the Fig. 2 caption only, no result table; searched '
                       '2026-12-03',
    metric_scale=100.0,
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='Kinetics-400/700 (mmaction2 video lists), Charades v1 480p (the released csv), '
              'SS-V1 (released JPEG frames); ImageNet ResNet-50 at '
              'checkpoints/resnet50-0676ba61.pth (README, Data).',
    notes=['The paper numbers were not found (README, Results): no paper column.',
           'Synthetic mode: a video-level XOR of the colours of two clips (chance 50 %; a '
           'clip-level model is capped at 75 %), a tiny 3D ResNet, CPU, seconds.'],
    benchmark_config=KINETICS400,
)
