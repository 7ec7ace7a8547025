# IKL knowledge distillation on ImageNet, ResNet-34 teacher -> ResNet-18 student
# (DKLv1/KD-dkl/imagenet_kd_dkl_configs/r34_r18_ikl_kd.yaml: alpha 1, beta 0.5, T 1, GI on,
# T2 1, warmup 1; batch 512, SGD lr 0.2, 100 epochs, decay at 30/60/90). Paper: top-1 71.91.
_base_ = ['../_base_/runtime/mmpretrain.py']

custom_imports = dict(imports=['dkl'], allow_failed_imports=False)
default_scope = 'mmpretrain'
data_root = '{{$DATA_ROOT:data/imagenet}}'

preprocessor = dict(type='ClsDataPreprocessor', num_classes=1000,
                    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
model = dict(
    type='IKLDistiller',
    num_classes=1000,
    data_preprocessor=preprocessor,
    backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ), style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=1000, in_channels=512,
              loss=dict(type='CrossEntropyLoss')),
    # the frozen teacher: an mmpretrain model config and a checkpoint in mmpretrain names
    # (e.g. mmpretrain's resnet34_8xb32_in1k weights), loaded strictly
    teacher=dict(
        model=dict(type='ImageClassifier',
                   backbone=dict(type='ResNet', depth=34, num_stages=4, out_indices=(3, ),
                                 style='pytorch'),
                   neck=dict(type='GlobalAveragePooling'),
                   head=dict(type='LinearClsHead', num_classes=1000, in_channels=512)),
        checkpoint='checkpoints/resnet34_imagenet_mmpretrain.pth'),
    distill_loss=dict(type='IKLLoss', alpha=1.0, beta=0.5, temperature=1.0, use_gi=True),
    ce_weight=1.0,
    warmup_epochs=1,
    prior_temperature=1.0)

dataset_type = 'ImageNet'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=64,   # x 8 GPUs = the official 512
    num_workers=8,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128,
    num_workers=8,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator

optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[30, 60, 90], gamma=0.1)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(base_batch_size=512)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=100),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=10),
    visualization=dict(type='DklVisualizationHook', draw=False, test_out_dir=None))
log_processor = dict(by_epoch=True)
