"""What ``tools/reproduce.py`` needs to reproduce MSFlow's main table (MVTec AD, Table I)."""
from __future__ import annotations

from cvshared.datasets.mvtec import MVTEC_AD_CATEGORIES, MVTecADDataset
from cvshared.datasets.mvtec_synthetic import write_synthetic_mvtec
from cvshared.paper import PaperSpec

SYNTHETIC_CATEGORY = 'synthetic_texture'


def make_synthetic(root: str) -> None:
    """The synthetic MVTec-layout data set that ``msflow_resnet18_synthetic.py`` trains on."""
    write_synthetic_mvtec(root, categories=(SYNTHETIC_CATEGORY,), image_size=128, num_train=64,
                          seed=0)


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` with the expected tree if category ``run_name`` is absent."""
    category = SYNTHETIC_CATEGORY if run_name == 'synthetic' else run_name
    MVTecADDataset.check_layout(data_root, category)


SPEC = PaperSpec(
    key='msflow',
    title='MSFlow: Multi-Scale Flow-based Framework for Unsupervised Anomaly Detection '
          '(Zhou et al., IEEE TNNLS 2024)',
    runs={c: f'configs/msflow/msflow_wrn50-2_100e_mvtec-{c}.py' for c in MVTEC_AD_CATEGORIES},
    synthetic_runs={'synthetic': 'configs/msflow/msflow_resnet18_synthetic.py'},
    # MVTec AD mean over the 15 categories, in percent (paper / official README)
    reported={'mvtec/image_AUROC': 99.7, 'mvtec/pixel_AUROC': 98.8, 'mvtec/PRO': 97.1},
    make_synthetic=make_synthetic,
    check_data=check_data,
    metric_scale=100.0,
    data_hint='MVTec AD: https://www.mvtec.com/company/research/datasets/mvtec-ad (extract so '
              'that DATA_ROOT/<category>/train/good exists); the extractor weights '
              'wide_resnet50_2-95faca4d.pth go to checkpoints/.',
    notes=['The paper reports the best epoch on the test set; we report the last epoch.',
           'Synthetic mode: random-init ResNet-18, 128x128 textures, 32 epochs; its numbers '
           'only show that the pipeline learns, they are not comparable to the paper.'],
    benchmark_config='configs/msflow/msflow_wrn50-2_100e_mvtec-bottle.py',
    # README "Benchmark": the official model_forward + loss + Adam + clip, 512x512, CPU,
    # 2 threads, random wide_resnet50_2 weights, 2026-11-21, nearly idle machine
    official_benchmark={
        'setting': 'official code, 512x512, CPU, 2 threads, wide_resnet50_2 + paper flows '
                   '(README Benchmark, 2026-11-21)',
        'train step, batch 1 (s)': 3.81, 'inference, batch 1 (s)': 1.09,
        'peak RSS, batch 1 (GB)': 3.80,
        'train step, batch 4 (s)': 15.1, 'inference, batch 4 (s)': 4.03,
        'peak RSS, batch 4 (GB)': 6.66},
)
