# crossx on cub (TODO: the paper's setting: backbone, schedule, data pipeline).
_base_ = ['../_base_/runtime/mmpretrain.py']

custom_imports = dict(imports=['crossx'], allow_failed_imports=False)
default_scope = 'mmpretrain'
data_root = '{{$DATA_ROOT:data/cub}}'

model = dict(
    type='CrossxClassifier',
    num_classes=2,
    data_preprocessor=dict(type='BaseDataPreprocessor'),
    backbone=dict(
        type='CrossxConvNet',
        channels=(32, 64, 128),
        # pretrained weights: a path, never a download (tools/model_converters/ makes them)
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/crossx_backbone.pth')))

pipeline = [dict(type='CrossxLoadImage'), dict(type='CrossxPackInputs')]
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='CrossxFolderDataset', data_root=data_root, split='train',
                 pipeline=pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='CrossxFolderDataset', data_root=data_root, split='val',
                 pipeline=pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='CrossxAccuracy')
test_evaluator = val_evaluator

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=10),
    visualization=dict(type='CrossxVisualizationHook', draw=False, test_out_dir=None))
log_processor = dict(by_epoch=True)
