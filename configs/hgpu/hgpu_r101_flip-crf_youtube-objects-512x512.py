# HGPU tested on YouTube-Objects (mean of the 10 categories; the official README: without
# fine-tuning), with the protocol of the reported numbers (flip + dense CRF, as
# hgpu_r101_flip-crf_davis16-val-512x512.py) on the stage-B DAVIS-16 model.
# Paper (official README, "J Mean"): 73.9.
#   DATA_ROOT=/data/... .venv/bin/python tools/test.py \
#       configs/hgpu/hgpu_r101_flip-crf_youtube-objects-512x512.py CKPT
# (make reproduce: the root comes from YTOBJ_ROOT, hgpu.paper.benchmark_test_stage)
_base_ = ['./hgpu_r101_flip-crf_davis16-val-512x512.py', './_base_/zvos_benchmarks.py']
test_dataloader = dict(dataset={{_base_.youtube_objects_test}})
test_evaluator = {{_base_.youtube_objects_evaluator}}
