"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about gta."""
from cvshared.paper import PaperSpec

from .datasets import check_layout, make_synthetic

_DATASET = {'sthv1_tsm': 'sthv1', 'sthv2_tsm': 'sthv2', 'kinetics400_tsm': 'kinetics400',
            'sthv1_i3d': 'sthv1', 'sthv2_i3d': 'sthv2', 'kinetics400_i3d': 'kinetics400',
            'synthetic': 'sthv2'}


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if the data set is not there."""
    if run_name not in _DATASET:
        raise ValueError(f'gta: unknown run {run_name!r}; the runs are {sorted(_DATASET)}')
    check_layout(data_root, _DATASET[run_name])


SPEC = PaperSpec(
    key='gta',
    title='GTA: Global Temporal Attention for Video Action Understanding (He, Yang, Wu, Chen, '
          'Lim & Shrivastava, arXiv 2012.08510, 2021)',
    runs={'sthv1_tsm': 'configs/gta/gta_tsm-r50_1x1x8_50e_sthv1.py',
          'sthv2_tsm': 'configs/gta/gta_tsm-r50_1x1x8_50e_sthv2.py',
          'kinetics400_tsm': 'configs/gta/gta_tsm-r50_1x1x8_50e_kinetics400.py',
          'sthv1_i3d': 'configs/gta/gta_i3d-r50_32x1x1_100e_sthv1.py',
          'sthv2_i3d': 'configs/gta/gta_i3d-r50_32x1x1_100e_sthv2.py',
          'kinetics400_i3d': 'configs/gta/gta_i3d-r50_32x2x1_100e_kinetics400.py'},
    synthetic_runs={'synthetic': 'configs/gta/gta_tsm-r18_1x1x8_10e_synthetic.py'},
    reported={},
    reported_not_found=('searched 2026-12-03 (search tool, pages and docs: the title, the arXiv '
                        'id, ar5iv, distinctive phrases of the abstract, result-table '
                        'phrasings): only the abstracts (arXiv v1 and v3, mirrors) were found, '
                        'which give no number; no official code or README exists.'),
    metric_scale={'acc/top1': 100.0, 'acc/top5': 100.0},
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint=('Something-Something V1 (frame folders + csv) / V2 (webm + labels/*.json) as '
               'released, Kinetics-400 in mmaction2\'s video-list layout; set DATA_ROOT to the '
               'data set\'s own folder (README, Data).'),
    notes=['Synthetic mode: long-range temporal ORDER (a red and a blue square in two frames '
           '>= 4 apart of 8; which comes first; single frames and the bag of frames are '
           'uninformative, chance 50 %), TSM-R18 + one GTA block from scratch, CPU.'],
    official_benchmark={'setting': 'no official code: the overhead is measured against the '
                                   'same backbone without GTA (README, Benchmark)'},
)
