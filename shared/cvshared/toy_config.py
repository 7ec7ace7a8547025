# Toy config used by the repository's tests of tools/ (see cvshared/testing.py). It inherits the
# shared mmengine runtime base like a package config (FailFastHook, nccl -> gloo on CPU).
_base_ = ['../../configs/_base_/runtime/mmengine.py']
custom_imports = dict(imports=['cvshared.testing', 'cvshared.hooks'], allow_failed_imports=False)
default_scope = 'mmengine'
data_root = '{{$DATA_ROOT:data/toy}}'

model = dict(type='CvsharedToyClassifier', in_dim=2)
_loader = dict(batch_size=16, num_workers=0, collate_fn=dict(type='default_collate'))
train_dataloader = dict(
    **_loader, sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='CvsharedToyDataset', data_root=data_root, ann_file='train.txt'))
val_dataloader = dict(
    **_loader, sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='CvsharedToyDataset', data_root=data_root, ann_file='test.txt'))
test_dataloader = val_dataloader
val_evaluator = dict(type='CvsharedToyAccuracy')
test_evaluator = val_evaluator

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.5, momentum=0.9))
param_scheduler = dict(type='MultiStepLR', milestones=[3], gamma=0.5)
train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=2)
val_cfg = dict()
test_cfg = dict()

default_hooks = dict(logger=dict(type='LoggerHook', interval=2),
                     visualization=dict(type='CvsharedToyVisualizationHook'))
log_level = 'WARNING'
tta_model = dict(type='CvsharedToyTTAModel')
tta_pipeline = [dict(type='CvsharedToyTwoViews')]
