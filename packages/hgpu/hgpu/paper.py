"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about hgpu."""
from cvshared.paper import PaperSpec

from .datasets.folder import check_layout
from .datasets.synthetic import make_synthetic


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if the data set is not there."""
    for split in ('train', 'val'):
        check_layout(data_root, split)


SPEC = PaperSpec(
    key='hgpu',
    # TODO: the paper's title, authors and venue
    title='Hierarchical Graph Pattern Understanding for Zero-Shot Video Object Segmentation (IEEE TIP 2023)',
    runs={'davis2016': 'configs/hgpu/hgpu_convnet_100e_davis2016.py'},
    synthetic_runs={'synthetic': 'configs/hgpu/hgpu_convnet_6e_synthetic.py'},
    # TODO: the paper's reported numbers, in the paper's units (the metafile repeats them)
    reported={'accuracy/top1': 0.0},
    metric_scale={'accuracy/top1': 100.0},
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='TODO: where to download davis2016 and how to lay it out (see README, Data).',
    notes=['Synthetic mode: two stripe orientations (chance 50 %), a tiny ConvNet, CPU.'],
)
