# HCML on the synthetic motion-only SS-V2-layout set (4 directions of a translating random
# texture, 2 px per frame at 64 x 64, chance 25 %; cvshared.datasets.something_synthetic), read
# with the shared synthetic base (8 segments, frames at their size, top-1): a 2D ResNet-18
# (mmaction2 ResNet, TSN-style: no temporal shift) + the motion hierarchy after layer1..layer4
# (16 channels each) + the contrastive losses (weight 0.1, 4 x 4 grid), random initialisation,
# the fusion NOT zero-initialised (nothing pretrained to preserve), Adam, CPU minutes.
# `make reproduce PAPER=hcml` writes the set at data/synthetic/hcml. The base model on the same
# schedule: tsn_r18_1x1x8_12e_synthetic.py.
_base_ = ['../_base_/datasets/sthv2_synthetic.py', '../_base_/runtime/mmaction.py']
custom_imports = dict(imports=['cvshared.datasets.something', 'hcml'],
                      allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/synthetic/hcml}}'
model = dict(
    type='HCMLRecognizer',
    backbone=dict(type='HCMLResNet', depth=18, num_segments=8, pretrained=None,
                  norm_eval=False,
                  motion=dict(stages=['layer1', 'layer2', 'layer3', 'layer4'],
                              motion_channels=16, stem_motion=True, zero_init_fusion=False)),
    contrastive=dict(type='HierarchicalMotionInfoNCE', embed_channels=32, temperature=0.1,
                     grid=4, shift=1, loss_weight=0.1),
    cls_head=dict(type='TSNHead', num_classes=4, in_channels=512, spatial_type='avg',
                  consensus=dict(type='AvgConsensus', dim=1), dropout_ratio=0.0,
                  init_std=0.01, average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[128.0, 128.0, 128.0],
                           std=[64.0, 64.0, 64.0], format_shape='NCHW'))
train_dataloader = dict(persistent_workers=False, dataset=dict(data_root=data_root))
val_dataloader = dict(persistent_workers=False, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_begin=1, val_interval=12)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[10],
                        gamma=0.1)]
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, weight_decay=1e-4))
default_hooks = dict(
    checkpoint=dict(interval=12), logger=dict(interval=5),
    visualization=dict(type='HCMLVisualizationHook', draw=False, test_out_dir=None))
