# MSNet = TSM-ResNet-50 + the MotionSqueeze module after res3 (layer2), with the official
# Something-Something recipe (arunos728/MotionSqueeze scripts/train_TSM_Something_v1.sh +
# main_something.py + opts.py): SGD Nesterov momentum 0.9, lr 0.01 for a batch of 48, weight
# decay 5e-4 (opts.py default), 40 epochs, lr x0.1 at 20 and 30, gradient clipping 200 (--gd),
# dropout 0.5, average consensus, TSN policies with 5x / 10x lr on the classifier (fc_lr5), no
# partial BN; ImageNet ResNet-50 initialisation (checkpoints/resnet50-19c8e357.pth).
# The TSM ResNet-50 is configs/_base_/models/tsm_r50_stage_blocks.py; the data come from the
# dataset base a config puts beside this one (neither base here defines custom_imports or
# top-level variables, which mmengine would refuse between sibling bases). Its pipelines are
# the official main_something.py recipe (320 x 240, multi-scale crop 224 with 13 fixed
# positions, selective flip; test centre crop 224, 1 clip).
_base_ = ['../../_base_/models/tsm_r50_stage_blocks.py', '../../_base_/runtime/mmaction.py']

model = dict(
    backbone=dict(blocks=[
        dict(stage='layer2', position='after',
             block=dict(type='MotionSqueezeBlock', in_channels=512, reduced_channels=64,
                        patch_size=15, sigma=5.0, temperature=100.0))]),
    cls_head=dict(num_classes=174, dropout_ratio=0.5, average_clips='prob'))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=40, val_begin=1, val_interval=1)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=40, by_epoch=True,
                        milestones=[20, 30], gamma=0.1)]
optim_wrapper = dict(
    constructor='TSMOptimWrapperConstructor',
    paramwise_cfg=dict(fc_lr5=True),
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=True),
    clip_grad=dict(max_norm=200, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=48)

default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=3),
    visualization=dict(type='MotionSqueezeVisualizationHook', draw=False, test_out_dir=None))
