# STTS on the synthetic "which way does something move, where and when" set
# (stts.datasets.synthetic, Kinetics video-list layout): a tiny randomly initialised Video Swin
# (2 stages) on 8 x 32 x 32 clips, temporal selection T^0_0.5 (keep 2 of the 4 temporal token
# slices before stage 0), CPU, about a minute of training.
custom_imports = dict(imports=['stts'], allow_failed_imports=False)
default_scope = 'mmaction'

data_root = '{{$DATA_ROOT:data/synthetic/stts}}'
num_frames = 8
image_size = 32

model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='STTSSwinTransformer3D',
        arch=dict(embed_dims=16, depths=[1, 1], num_heads=[1, 2]),
        pretrained=None,
        pretrained2d=False,
        patch_size=(2, 4, 4),
        window_size=(4, 4, 4),
        drop_path_rate=0.0,
        out_indices=(1, ),
        num_frames=num_frames,
        image_size=image_size,
        time_pruning_loc=[0],
        time_left_ratio=[0.5],
        sigma=0.1,
        num_samples=500,
        topk_grad='diag'),
    cls_head=dict(
        type='I3DHead',
        in_channels=32,
        num_classes=4,
        spatial_type='avg',
        dropout_ratio=0.0,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))

# no horizontal flip: it would swap the left/right classes
train_pipeline = [
    dict(type='STTSDecordInit'),
    dict(type='SampleFrames', clip_len=num_frames, frame_interval=1, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(image_size, image_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='STTSDecordInit'),
    dict(type='SampleFrames', clip_len=num_frames, frame_interval=1, num_clips=1,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(image_size, image_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
dataset_type = 'STTSKineticsVideoDataset'
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=f'{data_root}/kinetics400_train_list_videos.txt',
        data_prefix=dict(video=f'{data_root}/videos_train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=f'{data_root}/kinetics400_val_list_videos.txt',
        data_prefix=dict(video=f'{data_root}/videos_val'),
        pipeline=test_pipeline,
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# STTS VideoSwin: AdamW, predictor lr_mult 0.001 when fine-tuning a pretrained backbone; here
# everything starts from scratch, so the scorer trains at the full rate.
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-3, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(custom_keys={'predictor': dict(lr_mult=1.0)}),
    clip_grad=dict(max_norm=1.0, norm_type=2))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=10, eta_min=1e-5, by_epoch=True,
                        begin=0, end=10)]

custom_hooks = [dict(type='SigmaDecayHook'), dict(type='STTSGFLOPsHook')]
default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'))
env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
               dist_cfg=dict(backend='nccl'))
log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
