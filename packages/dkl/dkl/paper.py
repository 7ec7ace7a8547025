"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about dkl."""
from cvshared.paper import PaperSpec

from .datasets.folder import check_layout
from .datasets.synthetic import make_synthetic


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if the data set is not there."""
    for split in ('train', 'val'):
        check_layout(data_root, split)


SPEC = PaperSpec(
    key='dkl',
    # TODO: the paper's title, authors and venue
    title='Decoupled Kullback-Leibler Divergence Loss (NeurIPS 2024)',
    runs={'cifar10': 'configs/dkl/dkl_convnet_100e_cifar10.py'},
    synthetic_runs={'synthetic': 'configs/dkl/dkl_convnet_6e_synthetic.py'},
    # TODO: the paper's reported numbers, in the paper's units (the metafile repeats them)
    reported={'accuracy/top1': 0.0},
    metric_scale={'accuracy/top1': 100.0},
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='TODO: where to download cifar10 and how to lay it out (see README, Data).',
    notes=['Synthetic mode: two stripe orientations (chance 50 %), a tiny ConvNet, CPU.'],
)
