"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about AntiCo."""
from __future__ import annotations

from cvshared.paper import PaperSpec

# the synthetic set of configs/antico/antico_r18-tiny_synthetic.py
SYNTHETIC = dict(num_classes=16, images_per_class=12, image_size=32, seed=0)
DATASETS = {'cub': 'CUBRetrieval', 'cars196': 'Cars196Retrieval', 'sop': 'SOPRetrieval',
            'synthetic': 'CUBRetrieval'}


def make_synthetic(root: str) -> None:
    """The synthetic CUB-layout set (shape x colour classes; the last 8 held out at test)."""
    from cvshared.datasets.retrieval_synthetic import write_synthetic_cub
    write_synthetic_cub(root, **SYNTHETIC)


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` with the expected tree if the run's data set is absent."""
    import cvshared.datasets.retrieval as retrieval
    getattr(retrieval, DATASETS[run_name])(data_root, split='train', check_files=False)


SPEC = PaperSpec(
    key='antico',
    title='Anti-Collapse Loss for Deep Metric Learning Based on Coding Rate Metric '
          '(Jiang, Yao, Dai, Shen, Nie / Hua, Shen; arXiv 2407.03106)',
    runs={'cub': 'configs/antico/antico_r50_100e_cub.py',
          'cars196': 'configs/antico/antico_r50_300e_cars196.py',
          'sop': 'configs/antico/antico_r50_400e_sop.py'},
    synthetic_runs={'synthetic': 'configs/antico/antico_r18-tiny_synthetic.py'},
    reported={},
    reported_not_found='the official README has no table and the stored pages (arXiv HTML '
                       '2407.03106 and four summaries) give the abstract only; searched '
                       '2026-12-02',
    metric_scale=100.0,
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint='CUB-200-2011, Cars-196 (cars_annos.mat + car_ims), Stanford Online Products: '
              'DATA_ROOT is the folder holding images.txt / cars_annos.mat / Ebay_train.txt '
              '(README, Data); ImageNet ResNet-50 weights at checkpoints/resnet50_mmpretrain.pth.',
    notes=['The paper numbers were not found (README, Results): no paper column.',
           'Synthetic mode: 8 training and 8 unseen test classes (shape x colour), a thin '
           'random-init ResNet-18, CPU, seconds.'],
    benchmark_config='configs/antico/antico_r50_100e_cub.py',
)
