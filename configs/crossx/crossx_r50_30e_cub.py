# Cross-X ResNet-50 on CUB-200-2011 (paper Table 2; official demo.py with datasetname
# 'cubbirds': crossxresnetmix.py, P = 2, gammas 0.5 / 0.25 / 0.5 of initialization.py,
# SGD lr 0.01 momentum 0.9 no weight decay, x0.1 at epochs 15 and 25, 30 epochs, batch 32;
# Resize 600 x 600 -> RandomCrop 448 + flip, test Resize 600 x 600 -> CenterCrop 448).
_base_ = ['../_base_/runtime/mmpretrain.py']

custom_imports = dict(imports=['crossx', 'cvshared.datasets.finegrained'],
                      allow_failed_imports=False)
default_scope = 'mmpretrain'
data_root = '{{$DATA_ROOT:data/CUB_200_2011}}'
dataset_type = 'CUB200Classification'
num_classes = 200

model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=num_classes,
                           mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                           to_rgb=True),
    backbone=dict(
        type='CrossXResNet', depth=50, num_parts=2, osme_reductions=(256, 256),
        osme_stages=(2, 3), out_indices=(3, ), zero_init_residual=False,
        # torchvision ImageNet ResNet-50 (resnet50-19c8e357.pth, as the official), a path:
        # nothing is downloaded; its fc.* keys are ignored, OSME starts from its init.
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/resnet50_imagenet.pth')),
    head=dict(type='CrossXHead', num_classes=num_classes, in_channels=(1024, 2048),
              num_parts=2, plty_pool='max', gammas=(0.5, 0.25, 0.5),
              branches=('ulti', 'plty', 'cmbn'), fusion_size=None, detach_kl_target=False))

resize = dict(type='Resize', scale=(600, 600), keep_ratio=False, backend='pillow',
              interpolation='bilinear')
train_pipeline = [dict(type='LoadImageFromFile'), resize,
                  dict(type='RandomCrop', crop_size=448),
                  dict(type='RandomFlip', prob=0.5, direction='horizontal'),
                  dict(type='PackInputs')]
test_pipeline = [dict(type='LoadImageFromFile'), resize, dict(type='CenterCrop', crop_size=448),
                 dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=32, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator

optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[15, 25], gamma=0.1)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(base_batch_size=32)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=5, max_keep_ckpts=2),
    visualization=dict(type='CrossxVisualizationHook', draw=False, test_out_dir=None))
log_processor = dict(by_epoch=True)
