"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about hp."""
from cvshared.paper import PaperSpec

from .datasets.folder import check_layout
from .datasets.synthetic import make_synthetic


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if the data set is not there."""
    for split in ('train', 'val'):
        check_layout(data_root, split)


SPEC = PaperSpec(
    key='hp',
    title='Leveraging Hidden Positives for Unsupervised Semantic Segmentation (CVPR 2023)',
    runs={'cocostuff27': 'configs/hp/hp_convnet_100e_cocostuff27.py'},
    synthetic_runs={'synthetic': 'configs/hp/hp_convnet_6e_synthetic.py'},
    reported={},
    reported_not_found=('searched 2026-12-03 (search tool, pages / docs / issues / code): the '
                        'stored arXiv pages hold only the abstract and introduction, the '
                        'official README has no table; an aggregator (wizwand.com) lists '
                        'unlabelled COCO-Stuff mIoU 24.3 / 24.6 / 42.7 and Cityscapes 18.4 '
                        '(backbone, probe and CRF not given): unverified, not used; the toy '
                        'scaffold still stands in for the segmentor'),
    metric_scale={'accuracy/top1': 100.0},
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='TODO: where to download cocostuff27 and how to lay it out (see README, Data).',
    notes=['In progress: the synthetic mode is still the scaffold\'s toy (two stripe '
           'orientations, a tiny ConvNet), not the paper\'s method.'],
)
