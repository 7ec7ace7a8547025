# HCML on TSM-ResNet-50 (mmaction2 ResNetTSM, 8 segments) with the motion hierarchy after every
# stage (layer1..layer4, D_l = C_l / 8: 32, 64, 128, 256 channels; M_0 = the stem difference)
# and the contrastive losses (E = 128, tau = 0.1, 7 x 7 grid, weight 0.1 per level): all of
# these are OUR choices (the paper's values could not be read; README, Differences).
# 2D ImageNet ResNet-50 from a path (checkpoints/resnet50-19c8e357.pth; nothing downloaded),
# the motion hierarchy from scratch, the fusion zero-initialised (the backbone starts as the
# pretrained one). TSMHead (GAP, dropout 0.5, average consensus). TSM's SGD recipe.
# No custom_imports and no top-level variables here: the dataset bases beside it define them.
_base_ = ['mmaction::_base_/models/tsm_r50.py', '../../_base_/runtime/mmaction.py']
model = dict(
    type='HCMLRecognizer',
    backbone=dict(
        type='HCMLResNetTSM', depth=50, num_segments=8, shift_div=8,
        pretrained='checkpoints/resnet50-19c8e357.pth',
        motion=dict(stages=['layer1', 'layer2', 'layer3', 'layer4'],
                    motion_channels=[32, 64, 128, 256], stem_motion=True,
                    zero_init_fusion=True)),
    contrastive=dict(type='HierarchicalMotionInfoNCE', embed_channels=128, temperature=0.1,
                     grid=7, shift=1, loss_weight=0.1),
    cls_head=dict(num_segments=8, dropout_ratio=0.5, average_clips='prob'))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50, val_begin=1, val_interval=1)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=50, by_epoch=True,
                        milestones=[20, 40], gamma=0.1)]
optim_wrapper = dict(
    constructor='TSMOptimWrapperConstructor',
    paramwise_cfg=dict(fc_lr5=True),
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
    clip_grad=dict(max_norm=20, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=64)
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=3),
    visualization=dict(type='HCMLVisualizationHook', draw=False, test_out_dir=None))
