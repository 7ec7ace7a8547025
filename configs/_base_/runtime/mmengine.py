# Runtime base of every package; the per-codebase bases beside it inherit it. On its own it is
# the base of packages on plain mmengine (a paper's own child registries, scope '<key>').
# A package config inherits it, sets `default_scope = '<key>'` and `custom_imports`, and adds its
# `default_hooks.visualization` (`draw`, `test_out_dir`; tools/test.py --show-dir switches it on).
default_scope = 'mmengine'

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # stops at the first non-finite loss or gradient norm; never saves NaN weights
    # (cvshared.hooks.FailFastHook)
    fail_fast=dict(type='FailFastHook'))

# nccl on GPUs; on a CPU-only machine cvshared.compat switches the process group to gloo
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

log_processor = dict(by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
