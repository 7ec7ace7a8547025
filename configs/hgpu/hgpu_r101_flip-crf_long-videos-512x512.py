# HGPU tested on Long-Videos (3 videos, 20 annotated frames each; the official README:
# without fine-tuning), with the protocol of the reported numbers (flip + dense CRF, as
# hgpu_r101_flip-crf_davis16-val-512x512.py) on the stage-B DAVIS-16 model.
# Paper (official README, "J Mean"): 74.0.
#   DATA_ROOT=/data/... .venv/bin/python tools/test.py \
#       configs/hgpu/hgpu_r101_flip-crf_long-videos-512x512.py CKPT
# (make reproduce: the root comes from LONGVIDEOS_ROOT, hgpu.paper.benchmark_test_stage)
_base_ = ['./hgpu_r101_flip-crf_davis16-val-512x512.py', './_base_/zvos_benchmarks.py']
test_dataloader = dict(dataset={{_base_.long_videos_test}})
test_evaluator = {{_base_.long_videos_evaluator}}
