# Runtime shared by the HFAN configs (mmengine / mmseg 1.x).
custom_imports = dict(imports=['hfan'], allow_failed_imports=False)
default_scope = 'mmseg'
env_cfg = dict(cudnn_benchmark=True, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
               dist_cfg=dict(backend='nccl'))
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
# official: --seed 1208 --deterministic
randomness = dict(seed=1208, deterministic=False)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=16000),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # tools/test.py --show-dir X sets draw=True, test_out_dir=X: per-frame mask overlays
    visualization=dict(type='VOSMaskOverlayHook', draw=False, test_out_dir=None))
