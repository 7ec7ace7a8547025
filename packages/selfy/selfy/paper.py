"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about selfy."""
from cvshared.paper import PaperSpec

from .datasets import check_layout, make_synthetic

_DATASET = {'sthv2': 'sthv2', 'diving48': 'diving48', 'gym99': 'gym99', 'synthetic': 'sthv2'}


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if the data set is not there."""
    if run_name not in _DATASET:
        raise ValueError(f'selfy: unknown run {run_name!r}; the runs are {sorted(_DATASET)}')
    check_layout(data_root, _DATASET[run_name])


SPEC = PaperSpec(
    key='selfy',
    title='Learning Self-Similarity in Space and Time as Generalized Motion for Video Action '
          'Recognition (SELFY), ICCV 2021',
    # the card's single-model rows, each benchmark against its own number; the SS-V1 number of
    # the card (55.8) is an ensemble of the 8- and 16-frame configs (metafile), not one run
    runs={'sthv2': 'configs/selfy/selfy_tsm-r50_1x1x8_50e_sthv2.py',
          'diving48': 'configs/selfy/selfy_tsm-r50_1x1x8_50e_diving48.py',
          'gym99': 'configs/selfy/selfy_tsm-r50_1x1x8_50e_gym99.py'},
    synthetic_runs={'synthetic': 'configs/selfy/selfy_tsm-r18_1x1x8_6e_synthetic.py'},
    # reported = the per-metric mean over the runs (top-1: SS-V2 65.7, Diving-48 41.6)
    reported={'acc/top1': 53.65, 'acc/mean1': 87.7},
    reported_per_run={'sthv2': {'acc/top1': 65.7}, 'diving48': {'acc/top1': 41.6},
                      'gym99': {'acc/mean1': 87.7}},
    metric_scale={'acc/top1': 100.0, 'acc/top5': 100.0, 'acc/mean1': 100.0},
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint=('Something-Something V2 as released (20bn-something-something-v2/<id>.webm and '
               'labels/*.json); set DATA_ROOT to the folder holding both (README, Data).'),
    notes=['Synthetic mode: 4 motion directions of a stationary texture (every frame alone is '
           'uninformative, chance 25 %), TSM-R18 + SELFY from scratch, CPU.'],
    official_benchmark={'setting': 'no official timing; the official block on this CPU (naive '
                                   'path): see README Benchmark'},
)
