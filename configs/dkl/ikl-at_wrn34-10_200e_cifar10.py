# IKL adversarial training, WRN-34-10, CIFAR-10 (DKLv1/Adv-training-dkl/sh/train_dkl_cifar10.sh:
# --train_budget high, eps 8/255, lr 0.2, alpha 4, beta 20, T 4, 200 epochs, batch 128),
# evaluated with AutoAttack (standard) at eps 8/255. Paper: natural 85.31 / AutoAttack 57.13.
_base_ = ['../_base_/runtime/mmpretrain.py']

custom_imports = dict(imports=['dkl'], allow_failed_imports=False)
default_scope = 'mmpretrain'
data_root = '{{$DATA_ROOT:data/cifar10}}'
num_classes = 10

model = dict(
    type='IKLAdvClassifier',
    num_classes=num_classes,
    # the official code feeds [0, 1] images, no mean/std normalisation
    data_preprocessor=dict(type='ClsDataPreprocessor', mean=[0, 0, 0], std=[255, 255, 255],
                           to_rgb=False),
    backbone=dict(type='DklWideResNet', depth=34, widen_factor=10),
    head=dict(type='LinearClsHead', num_classes=num_classes, in_channels=640,
              loss=dict(type='CrossEntropyLoss')),
    robust_loss=dict(type='IKLLoss', alpha=4.0, beta=20.0, temperature=1.0, use_gi=True),
    eps=8 / 255,
    # the official 'high' budget as it runs: its if-chain leaves 5 steps of eps_e / 2 at
    # every epoch (README, Differences)
    steps=5,
    step_ratio=0.5,
    ramp=True,
    prior_temperature=4.0,
    method='ikl')

dataset_type = 'CIFAR10'
train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', download=False,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test', download=False,
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='RobustAccuracy')
test_evaluator = val_evaluator

optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=5e-4))
# official: lr * (1 + cos(pi * e / (E + 1))) / 2 at 1-based epoch e, per epoch
param_scheduler = [dict(type='CosineAnnealingLR', T_max=201, by_epoch=True, begin=0, end=200,
                        convert_to_iter_based=False)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200, val_interval=20)
# validation: natural accuracy (robust/natural); the test is AutoAttack
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='RobustTestLoop',
                attacks=dict(AutoAttack=dict(type='AutoAttack', eps=8 / 255, norm='Linf',
                                             version='standard', n_classes=num_classes,
                                             seed=0)))
# the official weight averaging (tau 0.9996 from epoch 150, swa.py) as mmengine's EMA
custom_hooks = [dict(type='EMAHook', momentum=0.0004, begin_epoch=150)]

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=10),
    visualization=dict(type='DklVisualizationHook', draw=False, test_out_dir=None))
log_processor = dict(by_epoch=True)
