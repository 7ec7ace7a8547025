"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about irn."""
from cvshared.paper import PaperSpec

from .datasets.folder import check_layout
from .datasets.synthetic import make_synthetic


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if the data set is not there."""
    for split in ('train', 'val'):
        check_layout(data_root, split)


SPEC = PaperSpec(
    key='irn',
    # Work in progress: the staged pipeline (README, Not done) is not wired yet, so runs,
    # reported and the synthetic figures are still the scaffold's toy, and the title says so.
    title='Weakly Supervised Learning of Instance Segmentation with Inter-pixel Relations '
          '(Ahn, Cho & Kwak, CVPR 2019) [in progress: the runs are the scaffold toy, not IRN]',
    runs={'voc12': 'configs/irn/irn_convnet_100e_voc12.py'},
    synthetic_runs={'synthetic': 'configs/irn/irn_convnet_6e_synthetic.py'},
    # TODO: the paper's reported numbers, in the paper's units (the metafile repeats them)
    reported={'accuracy/top1': 0.0},
    metric_scale={'accuracy/top1': 100.0},
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='TODO: where to download voc12 and how to lay it out (see README, Data).',
    notes=['Synthetic mode: two stripe orientations (chance 50 %), a tiny ConvNet, CPU.'],
)
