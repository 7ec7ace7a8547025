"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about Cross-X."""
from __future__ import annotations

from cvshared.paper import PaperSpec

from .datasets.synthetic import make_synthetic as _make_synthetic

DATASETS = {'nabirds': 'NABirdsClassification', 'cub': 'CUB200Classification',
            'cars': 'StanfordCarsClassification', 'dogs': 'StanfordDogsClassification',
            'aircraft': 'FGVCAircraftClassification', 'synthetic': 'CUB200Classification'}


def make_synthetic(root: str) -> None:
    """The synthetic CUB-layout set (4 classes that differ in two 5 x 5 parts)."""
    _make_synthetic(root, seed=0)


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` with the expected tree if the run's data set is absent."""
    import cvshared.datasets.finegrained as fg
    dataset = getattr(fg, DATASETS[run_name])
    split = 'test'
    dataset(data_root, split=split, check_files=False)


# Paper (Luo et al., ICCV 2019) Table 2-6 / official README: top-1 (%) of CrossX-ResNet-50
# (card 9 of shared/papers/weakly-supervised-segmentation-and-detection.md). Our metric:
# mmpretrain Accuracy, already in percent.
REPORTED_PER_RUN = {'nabirds': {'accuracy/top1': 86.2}, 'cub': {'accuracy/top1': 87.7},
                    'cars': {'accuracy/top1': 94.6}, 'dogs': {'accuracy/top1': 88.9},
                    'aircraft': {'accuracy/top1': 92.6}}

SPEC = PaperSpec(
    key='crossx',
    title='Cross-X Learning for Fine-Grained Visual Categorization (Luo, Yang, Mo, Lu, Davis, '
          'Li, Yang, Lim; ICCV 2019)',
    runs={'nabirds': 'configs/crossx/crossx_r50_30e_nabirds.py',
          'cub': 'configs/crossx/crossx_r50_30e_cub.py',
          'cars': 'configs/crossx/crossx_r50_30e_cars.py',
          'dogs': 'configs/crossx/crossx_r50_30e_dogs.py',
          'aircraft': 'configs/crossx/crossx_r50_30e_aircraft.py'},
    synthetic_runs={'synthetic': 'configs/crossx/crossx_r50-tiny_8e_synthetic.py'},
    reported={'accuracy/top1': round(sum(r['accuracy/top1'] for r in
                                         REPORTED_PER_RUN.values()) / 5, 2)},
    reported_per_run=REPORTED_PER_RUN,
    metric_scale=1.0,
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='CUB_200_2011, nabirds, Stanford Cars (cars_annos.mat + car_ims or the devkit '
              'layout), Stanford Dogs (lists/*.mat + Images/), fgvc-aircraft-2013b: DATA_ROOT '
              'is the folder of each (README, Data); torchvision ImageNet ResNet-50 weights at '
              'checkpoints/resnet50_imagenet.pth.',
    protocol='ResNet-50, 448 input, top-1 of the best test epoch (official modellearning.train)',
    test_protocol='ResNet-50, 448 input, top-1 after the last epoch',
    notes=['Synthetic mode: 4 classes that differ only in two 5 x 5 parts, a thin random-init '
           'ResNet with OSME, CPU; its top-1 only shows that it learns (README, Results).'],
    benchmark_config='configs/crossx/crossx_r50_30e_cub.py',
)
