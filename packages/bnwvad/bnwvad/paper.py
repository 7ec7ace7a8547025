"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about BN-WVAD."""
from cvshared.paper import PaperSpec

from .datasets import check_data as _check_layout
from .datasets import make_synthetic

RUN_BENCHMARK = {'xd-violence': 'xd', 'ucf-crime': 'ucf'}


def check_data(data_root: str, run_name: str) -> None:
    """Raise ``FileNotFoundError`` showing the expected tree if run ``run_name``'s feature set
    (XD-Violence: ``list/XD_*.list`` + ``frame_label/xd_gt.npy``; UCF-Crime:
    ``list/UCF_*.list`` + ``frame_label/gt-ucf.npy``) is not under ``data_root``."""
    if run_name not in RUN_BENCHMARK:
        raise ValueError(f'bnwvad: unknown run {run_name!r}; the runs are '
                         f'{", ".join(RUN_BENCHMARK)}')
    _check_layout(data_root, RUN_BENCHMARK[run_name])


SPEC = PaperSpec(
    key='bnwvad',
    title='BatchNorm-based Weakly Supervised Video Anomaly Detection, Zhou et al., IEEE TCSVT '
          '2024 (BN-WVAD)',
    # two benchmarks, each compared with its own paper numbers (reported_per_run); the official
    # repository releases the XD-Violence setting only (UCF-Crime: the XD recipe, README)
    runs={'xd-violence': 'configs/bnwvad/bnwvad_i3d_1k-iter_xd-violence.py',
          'ucf-crime': 'configs/bnwvad/bnwvad_i3d_1k-iter_ucf-crime.py'},
    synthetic_runs={'synthetic': 'configs/bnwvad/bnwvad_i3d_20-iter_synthetic.py'},
    # paper Tables: XD-Violence AP 84.93, AUC 94.71, AUC_sub 83.59, AP_sub 85.45 (also the
    # official README); UCF-Crime AUC 87.24. `reported` is the per-metric mean over the runs
    # that report it: AUC (94.71 + 87.24) / 2, the others XD-Violence's.
    reported={'video_anomaly/AP': 84.93, 'video_anomaly/AUC': 90.975,
              'video_anomaly/AUC_sub': 83.59, 'video_anomaly/AP_sub': 85.45},
    reported_per_run={'xd-violence': {'video_anomaly/AP': 84.93, 'video_anomaly/AUC': 94.71,
                                      'video_anomaly/AUC_sub': 83.59,
                                      'video_anomaly/AP_sub': 85.45},
                      'ucf-crime': {'video_anomaly/AUC': 87.24}},
    metric_scale=100.0,
    make_synthetic=make_synthetic,
    check_data=check_data,
    data_hint=('I3D RGB features: XD-Violence 5-crop (the XD-Violence release) and UCF-Crime '
               '10-crop (the DeepMIL / RTFM release); copy list/ and frame_label/ of the '
               'official BN-WVAD / UR-DMU repository into the feature root; DATA_ROOT = that '
               'root (README, Data).'),
    protocol='best-on-test checkpoint (official: tested every 5 iterations, best AP kept)',
    test_protocol='last checkpoint, 5/10-crop score mean, 16x frame repeat',
    official_benchmark={
        'setting': ('official WSAD + LossComputer via its train.py::train, private CPU-patched '
                    'checkout, official sizes, CPU 1 thread, 2 shared cores; train 8 + 8 x T 64, '
                    'inference 5 crops x T 64; same-process interleaved medians '
                    '(packages/bnwvad/benchmarks/train_step_vs_official.py; README, Benchmark)'),
        'train step (official sizes), ms wall, load 0.8-1.0': 408.9,
        'train step (official sizes), ms process CPU, load 7.8-8.1': 418.6,
        'inference per 5-crop video (official sizes), ms process CPU, load 7.8-8.1': 51.1,
        'ours / official train-step speed': '1.06-1.10x wall, 1.07x CPU (fused Adam; '
                                            '0.96-1.00x with the plain Adam)'},
    notes=['Paper: XD-Violence AP 84.93 / AUC 94.71 / AUC_sub 83.59 / AP_sub 85.45, UCF-Crime '
           'AUC 87.24; `--run xd-violence` / `--run ucf-crime` is compared with its own numbers, '
           'both runs with their mean per metric (AUC 90.975; AP, AUC_sub, AP_sub XD only).',
           'UCF-Crime: the official UCF code / config are not released; the XD recipe on the '
           '10-crop UCF layout.',
           'AP is the official trapezoid auc(recall, precision), not sklearn AP.',
           'Synthetic mode: Gaussian snippet features with injected outlier runs (XD layout), '
           'a width-128 encoder, 20 iterations, CPU.'],
)
