"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about DKL / IKL."""
from cvshared.paper import PaperSpec

from .datasets.cifar import check_layout
from .datasets.synthetic import make_synthetic

DATASET_OF_RUN = {'cifar10': 'cifar10', 'cifar100': 'cifar100', 'imagenet_r34_r18': 'imagenet',
                  'imagenet_r50_mbv1': 'imagenet', 'synthetic': 'cifar10'}


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if the data set is not there."""
    check_layout(data_root, DATASET_OF_RUN[run_name])


# Official README (DKLv1), card section 8: AT (WRN-34-10, natural / AutoAttack) and ImageNet
# KD top-1. Our metric keys: RobustAccuracy ('robust/...'), mmpretrain Accuracy.
REPORTED_PER_RUN = {
    'cifar10': {'robust/natural': 85.31, 'robust/AutoAttack': 57.13},
    'cifar100': {'robust/natural': 66.51, 'robust/AutoAttack': 31.43},
    'imagenet_r34_r18': {'accuracy/top1': 71.91},
    'imagenet_r50_mbv1': {'accuracy/top1': 72.84},
}

SPEC = PaperSpec(
    key='dkl',
    title='Decoupled Kullback-Leibler Divergence Loss (Cui, Tian, Zhong, Qi, Yu, Zhang; '
          'NeurIPS 2024)',
    runs={'cifar10': 'configs/dkl/ikl-at_wrn34-10_200e_cifar10.py',
          'cifar100': 'configs/dkl/ikl-at_wrn34-10_200e_cifar100.py',
          'imagenet_r34_r18': 'configs/dkl/ikl-kd_r34-r18_100e_imagenet.py',
          'imagenet_r50_mbv1': 'configs/dkl/ikl-kd_r50-mbv1_100e_imagenet.py'},
    synthetic_runs={'synthetic': 'configs/dkl/ikl-at_tinyconv_12e_synthetic.py'},
    # the mean over the runs reporting each key (tests/test_metafiles.py); per run above
    reported={'robust/natural': 75.91, 'robust/AutoAttack': 44.28, 'accuracy/top1': 72.375},
    reported_per_run=REPORTED_PER_RUN,
    metric_scale=100.0,
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='CIFAR-10/100: the python versions (cifar-10-python.tar.gz, '
              'cifar-100-python.tar.gz) extracted under DATA_ROOT; ImageNet in mmpretrain\'s '
              'layout; KD teachers at checkpoints/resnet{34,50}_imagenet_mmpretrain.pth '
              '(README, Data).',
    protocol={'robust/natural': 'WRN-34-10, AWP + weight averaging, clean test images',
              'robust/AutoAttack': 'WRN-34-10, AWP + weight averaging, AutoAttack '
                                   '(standard) L-inf 8/255',
              'accuracy/top1': 'ImageNet val, 224 centre crop'},
    test_protocol='clean test images and torchattacks (CIFAR: AutoAttack standard = APGD-CE, '
                  'APGD-T, FAB-T, Square, 8/255; synthetic: PGD-10 8/255); no AWP in training',
    notes=['Synthetic mode: 10 smooth colour patterns in the CIFAR-10 layout, a tiny ConvNet, '
           'IKL adversarial training for 12 epochs, PGD-10 at 8/255 (robust/PGD); CPU, seconds.',
           'Our AT has no AWP (README, Not done): expect lower robustness than the paper.'],
    benchmark_config='configs/dkl/ikl-at_wrn34-10_200e_cifar10.py',
)
