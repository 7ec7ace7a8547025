# STTS on MViT-B 16x4 (v1) (official MViT/configs/Kinetics/t0_*_s4_*.yaml): 16 x 4 clips at 224
# -> 8 x 56 x 56 tokens; temporal selection before block 0, spatial anchor before block 4
# (14 x 14 tokens); fine-tuned 20 epochs from the K400 MViT-B 16x4 checkpoint (set load_from);
# AdamW base lr 1e-4, cosine to 1e-6, backbone frozen for 3 epochs then at 0.1 x lr
# (BACKBONE_LR), weight decay 0.05 (none on 1-D parameters), clip grad 1.0; sigma 0.1 decaying
# linearly to 0; mixup 0.8 / cutmix 1.0, label smoothing 0.1, random erasing 0.25; 8 GPUs x 16
# clips (here batch_size is per GPU: 2); test 10 clips x 1 centre crop.
_base_ = ['../../_base_/runtime/mmaction.py', '../../_base_/datasets/kinetics400.py']
custom_imports = dict(imports=['stts'], allow_failed_imports=False)
num_classes = 400
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='STTSMViT',
        arch=dict(embed_dims=96, num_layers=16, num_heads=1, downscale_indices=[1, 3, 14]),
        spatial_size=224,
        temporal_size=16,
        drop_path_rate=0.2,
        time_pruning_loc=[0],
        time_left_ratio=[0.625],
        space_pruning_loc=[4],
        space_left_ratio=[0.863],
        sigma=0.1,
        num_samples=500,
        topk_grad='diag'),
    cls_head=dict(
        type='MViTHead',
        in_channels=768,
        num_classes=num_classes,
        dropout_ratio=0.5,
        label_smooth_eps=0.1,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[114.75, 114.75, 114.75],
        std=[57.375, 57.375, 57.375],
        blending=dict(
            type='RandomBatchAugment',
            augments=[
                dict(type='MixupBlending', alpha=0.8, num_classes=num_classes),
                dict(type='CutmixBlending', alpha=1, num_classes=num_classes)
            ]),
        format_shape='NCTHW'))

train_pipeline = [
    dict(type='STTSDecordInit', io_backend='disk'),
    dict(type='SampleFrames', clip_len=16, frame_interval=4, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop', area_range=(0.08, 1.0), aspect_ratio_range=(0.75, 4 / 3)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='RandomErasing', erase_prob=0.25, mode='rand'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='STTSDecordInit', io_backend='disk'),
    dict(type='SampleFrames', clip_len=16, frame_interval=4, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='STTSDecordInit', io_backend='disk'),
    dict(type='SampleFrames', clip_len=16, frame_interval=4, num_clips=10, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(batch_size=2, num_workers=8, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=4, num_workers=8, dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(batch_size=1, num_workers=8, dataset=dict(pipeline=test_pipeline))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20, val_begin=1, val_interval=2)

# predictors at the base lr, the rest at BACKBONE_LR x base lr (0.1) and frozen for 3 epochs
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0.0, bias_decay_mult=0.0,
        custom_keys={
            'predictor': dict(lr_mult=1.0),
            'backbone': dict(lr_mult=0.1),
            'cls_head': dict(lr_mult=0.1),
            'pos_embed': dict(decay_mult=0.0, lr_mult=0.1),
            'cls_token': dict(decay_mult=0.0, lr_mult=0.1)}),
    clip_grad=dict(max_norm=1, norm_type=2))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=20, eta_min_ratio=0.01, by_epoch=True, begin=0,
         end=20, convert_to_iter_based=True)
]
custom_hooks = [
    dict(type='SigmaDecayHook'),
    dict(type='STTSBackboneWarmupHook', warmup_epochs=3),
    dict(type='STTSGFLOPsHook')
]
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
auto_scale_lr = dict(enable=False, base_batch_size=16)
# Fine-tuning starts from the MViT-B 16x4 K400 checkpoint (PySlowFast v1; convert an official
# STTS checkpoint with tools/model_converters/stts_official_to_ours.py).
load_from = None
randomness = dict(seed=0)
default_hooks = dict(
    checkpoint=dict(interval=1, save_best='auto', max_keep_ckpts=3),
    visualization=dict(type='STTSVisualizationHook', draw=False, test_out_dir=None))
