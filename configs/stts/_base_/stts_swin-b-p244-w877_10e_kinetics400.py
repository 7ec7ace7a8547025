# STTS on Video Swin-B (official VideoSwin/configs/Kinetics/t0_*.py + swin_base.py):
# 32 x 2 clips at 224, patch (2, 4, 4) -> 16 x 56 x 56 tokens, temporal selection before stage 0,
# fine-tuned 10 epochs from the Video Swin-B K400 checkpoint (set load_from), AdamW 3e-4,
# predictor lr x 0.001, cosine with 0.8-epoch linear warm-up, 8 GPUs x 8 clips x 8 accumulation
# steps, fp16; test 4 clips x 3 crops. The official VideoSwin code never decays sigma (0.05).
_base_ = ['../../_base_/runtime/mmaction.py', '../../_base_/datasets/kinetics400.py']
custom_imports = dict(imports=['stts'], allow_failed_imports=False)
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='STTSSwinTransformer3D',
        arch='base',
        pretrained=None,
        pretrained2d=False,
        patch_size=(2, 4, 4),
        window_size=(8, 7, 7),
        drop_path_rate=0.2,
        patch_norm=True,
        num_frames=32,
        image_size=224,
        time_pruning_loc=[0],
        time_left_ratio=[0.625],
        sigma=0.05,
        num_samples=500,
        topk_grad='diag'),
    cls_head=dict(
        type='I3DHead',
        in_channels=1024,
        num_classes=400,
        spatial_type='avg',
        dropout_ratio=0.5,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))

train_pipeline = [
    dict(type='STTSDecordInit', io_backend='disk'),
    dict(type='SampleFrames', clip_len=32, frame_interval=2, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='STTSDecordInit', io_backend='disk'),
    dict(type='SampleFrames', clip_len=32, frame_interval=2, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='STTSDecordInit', io_backend='disk'),
    dict(type='SampleFrames', clip_len=32, frame_interval=2, num_clips=4, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='ThreeCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(batch_size=8, num_workers=4, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=1, num_workers=4, dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(batch_size=1, num_workers=4, dataset=dict(pipeline=test_pipeline))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10, val_begin=1, val_interval=5)

optim_wrapper = dict(
    type='AmpOptimWrapper',
    accumulative_counts=8,
    optimizer=dict(type='AdamW', lr=3e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(custom_keys={
        'absolute_pos_embed': dict(decay_mult=0.),
        'relative_position_bias_table': dict(decay_mult=0.),
        'norm': dict(decay_mult=0.),
        'predictor': dict(lr_mult=0.001)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=0.8,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=10, eta_min=0, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True)
]
custom_hooks = [dict(type='STTSGFLOPsHook')]
auto_scale_lr = dict(enable=False, base_batch_size=64)
# Fine-tuning starts from the Video Swin-B K400 checkpoint (official STTS README); convert an
# official STTS checkpoint with tools/model_converters/stts_official_to_ours.py.
load_from = None
randomness = dict(seed=0)
default_hooks = dict(
    checkpoint=dict(interval=1, save_best='auto', max_keep_ckpts=3),
    visualization=dict(type='STTSVisualizationHook', draw=False, test_out_dir=None))
