"""What ``tools/reproduce.py`` and ``tools/benchmark.py`` need to know about hcpn."""
from __future__ import annotations

from cvshared.datasets.davis import check_davis16_pairs
from cvshared.datasets.davis_synthetic import make_davis_synthetic
from cvshared.paper import PaperSpec


def make_synthetic(root: str) -> None:
    """12 training and 4 validation synthetic sequences (6 frames, 64 x 64) in the DAVIS
    layout, with HED-like edge maps and contour ground truth."""
    make_davis_synthetic(root, num_train=12, num_val=4, num_frames=6, size=(64, 64), seed=0,
                         frame_pairs=True)


def check_data(data_root: str, run_name: str) -> None:
    check_davis16_pairs(data_root, 'val')
    check_davis16_pairs(data_root, 'train', with_contour=True)


SPEC = PaperSpec(
    key='hcpn',
    title='Hierarchical Co-attention Propagation Network for Zero-Shot Video Object '
          'Segmentation (Pei et al., IEEE TIP 2023)',
    # the DAVIS-16 run fine-tunes the YouTube-VOS pre-training checkpoint
    # (HCPN_STAGE1_CHECKPOINT; see the README)
    runs={'r101_davis16': 'configs/hcpn/hcpn_r101_2xb5-25e_davis16-512x512.py'},
    synthetic_runs={'synthetic': 'configs/hcpn/hcpn_r18-standin_1xb4-300it_synthetic.py'},
    # official README, DAVIS-16 val, 512 x 512, flip test + dense CRF
    reported={'davis/J&F-Mean': 85.6, 'davis/J-Mean': 85.8, 'davis/F-Mean': 85.4},
    protocol='flip + dense CRF',
    test_protocol='model.flip_test (paper configs: flip; synthetic: none), no CRF',
    make_synthetic=make_synthetic,
    check_data=check_data,
    metric_scale=100.0,
    data_hint='DAVIS-2016 (https://davischallenge.org) with the RAFT flow images, HED maps and '
              'contour ground truth of the official HCPN release (Google Drive / Dubox links in '
              'https://github.com/NUST-Machine-Intelligence-Laboratory/HCPN).',
    benchmark_config='configs/hcpn/hcpn_r101_2xb5-25e_davis16-512x512.py',
    # measured side by side (packages/hcpn/tools/bench_official.py; README, Benchmark)
    official_benchmark={
        'setting': 'official EncoderNet + DecoderNet, 3 x ResNet-101, 512 x 512, batch 1, eval, '
                   'CPU, 1 thread, load ~6, 2 interleaved pairs (packages/hcpn/README.md)',
        'inference, one forward (s)': 18.55,
        'ours, same run (s)': 16.99},
    notes=['Paper numbers: flip test + dense CRF (set model.crf=True); FBMS J 78.3, '
           'YouTube-Objects 73.3 and DAVIS-17 J&F 70.7 are in the README, not run here.',
           'Synthetic numbers are on a toy data set with a small ResNet-18 stand-in and are '
           'not comparable to the paper.'],
)
