# SELFYNet-TSM-R50 (the SELFY block after res3 = layer2 of mmaction2's TSM ResNet-50) and the
# official schedule (arunos728/SELFY scripts/train_SELFY_Something.sh, main.py, opts.py,
# ops/models.py): ImageNet ResNet-50, SGD Nesterov momentum 0.9, lr 0.01 for batch 64 (8 GPUs x
# 8 clips), weight decay 5e-4, 50 epochs, lr x0.1 at epochs 30 and 40, gradient clipping at L2
# norm 20, dropout 0.5, no partial BN; TSN's optim policies (biases lr x2 without decay, BN
# without decay; on Something-Something the fc weight x1 and bias x2). A dataset config
# inherits this and its dataset base. The TSM ResNet-50 (ResNetTSMWithBlocks, 8 segments,
# torchvision's ImageNet ResNet-50, TSMHead) is configs/_base_/models/tsm_r50_stage_blocks.py;
# this file adds the SELFY block after layer2 (neither base defines custom_imports or top-level
# variables, so a dataset base can sit beside them).
_base_ = ['../../_base_/models/tsm_r50_stage_blocks.py', '../../_base_/runtime/mmaction.py']

selfy_block = dict(type='SELFYBlock', in_channels=512, hid_channels=128, window=(5, 9, 9),
                   ext_channels=(4, 16, 64, 64), int_channels=(64, 64, 64, 64),
                   extraction='conv')
model = dict(
    backbone=dict(blocks=[dict(stage='layer2', position='after', block=selfy_block)]),
    cls_head=dict(dropout_ratio=0.5))
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=True),
    paramwise_cfg=dict(bias_lr_mult=2.0, bias_decay_mult=0.0, norm_decay_mult=0.0),
    clip_grad=dict(max_norm=20, norm_type=2))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=50, by_epoch=True,
                        milestones=[30, 40], gamma=0.1)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50, val_begin=1, val_interval=1)
auto_scale_lr = dict(enable=False, base_batch_size=64)
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=3),
    visualization=dict(type='SelfyVisualizationHook', draw=False, test_out_dir=None))
