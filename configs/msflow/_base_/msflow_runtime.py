# Runtime shared by every MSFlow config (scope, hooks, logging, seed).
default_scope = 'msflow'
custom_imports = dict(imports=['msflow'], allow_failed_imports=False)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # keep the last checkpoint only: the model is the last epoch's, never picked on the test set
    checkpoint=dict(type='CheckpointHook', interval=4, max_keep_ckpts=1, save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # tools/test.py --show-dir X sets draw=True, test_out_dir=X
    visualization=dict(type='AnomalyMapVisualizationHook', draw=False, map_key='anomaly_map'))

log_processor = dict(by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=9826)  # the official seed
