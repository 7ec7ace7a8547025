"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about peerlearning."""
import os
import os.path as osp

from cvshared.paper import PaperSpec

from .datasets.synthetic import make_synthetic
from .datasets.webfg import check_layout

# run -> (environment variable of its clean test set or None, the test set's root marker)
TEST_ROOTS = {'webbird': ('CUB_ROOT', 'data/CUB_200_2011', 'images.txt'),
              'webaircraft': ('FGVC_ROOT', 'data/fgvc-aircraft-2013b', 'data'),
              'webcar': ('CARS_ROOT', 'data/stanford_cars', '')}


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if the data set is not there."""
    if run_name == 'synthetic':
        check_layout(osp.join(data_root, 'web'), 'train')
        return
    check_layout(data_root, 'train')
    if run_name == 'webinat':
        check_layout(data_root, 'val')
        return
    name, default, marker = TEST_ROOTS[run_name.split('-')[0]]
    root = os.environ.get(name, default)
    if not osp.isdir(osp.join(root, marker)):
        raise FileNotFoundError(f'the clean test set of {run_name} is not at {root} (set {name}'
                                ' to its official folder; see the README, Data)')


def _runs(step: int) -> dict:
    return {f'{d}': f'configs/peerlearning/peerlearning_bcnn-vgg16_step{step}-200e_{d}.py'
            for d in ('webaircraft', 'webbird', 'webcar')}


SPEC = PaperSpec(
    key='peerlearning',
    title='Webly Supervised Fine-Grained Recognition: Benchmark Datasets and An Approach '
          '(Sun, Yao, Wei, Zhang, Shen, Wu, Zhang, Shen; ICCV 2021)',
    # the reported figures are those of the final step (step 2 for WebFG-496)
    runs={**_runs(2), 'webinat': 'configs/peerlearning/peerlearning_resnet50_60e_webinat.py'},
    synthetic_runs={'synthetic': 'configs/peerlearning/peerlearning_bcnn-tiny_60e_synthetic.py'},
    reported={'accuracy/top1': (74.38 + 76.48 + 78.52 + 54.56) / 4},
    reported_per_run={'webaircraft': {'accuracy/top1': 74.38},
                      'webbird': {'accuracy/top1': 76.48},
                      'webcar': {'accuracy/top1': 78.52},
                      'webinat': {'accuracy/top1': 54.56}},
    metric_scale={'accuracy/top1': 1.0},   # mmpretrain's Accuracy is already in percent
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='WebFG-496: wget https://web-fgvc-496-5089-sh.oss-cn-shanghai.aliyuncs.com/'
              'web-{bird,aircraft,car}.tar.gz; WebiNat-5089: the Baidu drive of the official '
              'README; clean test sets at CUB_ROOT / FGVC_ROOT / CARS_ROOT (README, Data).',
    protocol='top-1 of the best epoch on the test set (the official model selection), '
             'released checkpoint names',
    test_protocol='single-scale 448 centre crop, last or chosen checkpoint',
    notes=['Synthetic mode: 6 grating orientations, 40 % symmetric label noise in the web '
           'folders, clean CUB-layout test set; tiny ConvNet + B-CNN neck peers, CPU.',
           'Step 2 of WebFG-496 starts from the step-1 checkpoint (STEP1_CHECKPOINT).'],
)
