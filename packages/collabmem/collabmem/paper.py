"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about collabmem."""
from cvshared.paper import PaperSpec

from .datasets.folder import check_layout
from .datasets.synthetic import make_synthetic


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if the data set is not there."""
    for split in ('train', 'val'):
        check_layout(data_root, split)


SPEC = PaperSpec(
    key='collabmem',
    # TODO: the paper's title, authors and venue
    title='Beyond Short Clips: End-to-End Video-Level Learning with Collaborative Memories (CVPR 2021)',
    runs={'kinetics400': 'configs/collabmem/collabmem_convnet_100e_kinetics400.py'},
    synthetic_runs={'synthetic': 'configs/collabmem/collabmem_convnet_6e_synthetic.py'},
    # TODO: the paper's reported numbers, in the paper's units (the metafile repeats them)
    reported={'accuracy/top1': 0.0},
    metric_scale={'accuracy/top1': 100.0},
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='TODO: where to download kinetics400 and how to lay it out (see README, Data).',
    notes=['Synthetic mode: two stripe orientations (chance 50 %), a tiny ConvNet, CPU.'],
)
