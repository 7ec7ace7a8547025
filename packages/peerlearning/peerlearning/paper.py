"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about peerlearning."""
from cvshared.paper import PaperSpec

from .datasets.folder import check_layout
from .datasets.synthetic import make_synthetic


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if the data set is not there."""
    for split in ('train', 'val'):
        check_layout(data_root, split)


SPEC = PaperSpec(
    key='peerlearning',
    # TODO: the paper's title, authors and venue
    title='Webly Supervised Fine-Grained Recognition: Benchmark Datasets and An Approach (ICCV 2021)',
    runs={'webaircraft': 'configs/peerlearning/peerlearning_convnet_100e_webaircraft.py'},
    synthetic_runs={'synthetic': 'configs/peerlearning/peerlearning_convnet_6e_synthetic.py'},
    # TODO: the paper's reported numbers, in the paper's units (the metafile repeats them)
    reported={'accuracy/top1': 0.0},
    metric_scale={'accuracy/top1': 100.0},
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='TODO: where to download webaircraft and how to lay it out (see README, Data).',
    notes=['Synthetic mode: two stripe orientations (chance 50 %), a tiny ConvNet, CPU.'],
)
