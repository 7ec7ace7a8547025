# STTS on the synthetic "which way does something move, where and when" set
# (stts.datasets.synthetic, Kinetics video-list layout): a tiny randomly initialised Video Swin
# (2 stages) on 8 x 32 x 32 clips, temporal selection T^0_0.5 (keep 2 of the 4 temporal token
# slices before stage 0), 12 classes (3 colours x 4 directions, chance 8.3 %), CPU.
_base_ = ['../_base_/runtime/mmaction.py', '../_base_/datasets/kinetics400.py']
custom_imports = dict(imports=['stts'], allow_failed_imports=False)

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
        num_classes=12,
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
# the same layout as Kinetics-400, written by stts.datasets.make_synthetic_kinetics
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        ann_file=f'{data_root}/kinetics400_train_list_videos.txt',
        data_prefix=dict(video=f'{data_root}/videos_train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        ann_file=f'{data_root}/kinetics400_val_list_videos.txt',
        data_prefix=dict(video=f'{data_root}/videos_val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# top-1 and mean class accuracy (chance 1/12); top-5 is not printed: the 12 classes are
# 3 colours x 4 directions, and a model that knows only the colour already has top-5 = 100 %
val_evaluator = dict(type='AccMetric', metric_options=dict(top_k_accuracy=dict(topk=(1, ))))
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10, val_interval=10)

# STTS VideoSwin: AdamW, predictor lr_mult 0.001 when fine-tuning a pretrained backbone; here
# everything starts from scratch, so the scorer trains at the full rate.
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-3, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(custom_keys={'predictor': dict(lr_mult=1.0)}),
    clip_grad=dict(max_norm=1.0, norm_type=2))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=10, eta_min=1e-5, by_epoch=True,
                        begin=0, end=10)]

custom_hooks = [dict(type='SigmaDecayHook'), dict(type='STTSGFLOPsHook')]
# the synthetic classes (stts.datasets.CLASSES: colour x motion direction), for pictures and
# tools/infer.py
class_names = [f'{c}_moves_{d}' for c in ('yellow', 'cyan', 'magenta')
               for d in ('right', 'left', 'down', 'up')]
default_hooks = dict(
    checkpoint=dict(interval=10, max_keep_ckpts=1, save_best=None),
    visualization=dict(type='STTSVisualizationHook', draw=False, test_out_dir=None,
                       class_names=class_names))
randomness = dict(seed=0, deterministic=False)
