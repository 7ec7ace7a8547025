# HGPU tested on DAVIS-17 unsupervised val (the official README gives a separate DAVIS-17
# checkpoint whose training is not published; README, Differences), with the protocol of the
# reported numbers (flip + dense CRF, as hgpu_r101_flip-crf_davis16-val-512x512.py) on the
# stage-B DAVIS-16 model, scored by the DAVIS-2017 unsupervised evaluation (davis17/...) and
# against the union of the objects (davis17_union/...).
# Paper (official README, "J Mean"): 67.0.
#   DATA_ROOT=/data/... .venv/bin/python tools/test.py \
#       configs/hgpu/hgpu_r101_flip-crf_davis17-val-512x512.py CKPT
# (make reproduce: the root comes from DAVIS17_ROOT, hgpu.paper.benchmark_test_stage)
_base_ = ['./hgpu_r101_flip-crf_davis16-val-512x512.py', './_base_/zvos_benchmarks.py']
test_dataloader = dict(dataset={{_base_.davis17_test}})
test_evaluator = {{_base_.davis17_evaluator}}
