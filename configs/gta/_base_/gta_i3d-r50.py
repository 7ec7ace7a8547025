# GTA-I3D-R50: mmaction2's I3D ResNet-50 (mmaction::_base_/models/i3d_r50.py: conv1 5x7x7
# stride_t 2, pool1 stride_t 2, pool2, inflation ((1,1,1), (1,0,1,0), (1,0,1,0,1,0), (0,1,0)),
# I3DHead) as cvshared.video.stage_blocks.ResNet3dWithBlocks, ImageNet ResNet-50 inflated from a path (never a
# download), with GTA blocks where mmaction2's non-local I3D puts its non-local blocks (i3d_..._
# r50-nl-*: after residual blocks 1 and 3 of layer2, 1, 3 and 5 of layer3). A 32-frame input
# has T = 32 / 2 / 2 / 2 = 4 there: the blocks' learned A is 4 x 4 (num_segments=4). Schedule:
# mmaction2's I3D-R50 recipe (SGD 0.01 for 64 clips, momentum 0.9, wd 1e-4, clip 40, 100
# epochs, steps 40 / 80). Placement, T and schedule are ours (README, Differences).
_base_ = ['mmaction::_base_/models/i3d_r50.py', '../../_base_/runtime/mmaction.py']

gta_block = dict(type='GTABlock', num_segments=4, levels=('pixel', 'region'), reduction=2,
                 num_heads=8, num_regions=16, head_mixing='cross', normalize='softmax',
                 init_std=1.0)
model = dict(
    backbone=dict(
        type='ResNet3dWithBlocks',
        pretrained='checkpoints/resnet50-19c8e357.pth',  # torchvision's, inflated (pretrained2d)
        blocks=[
            dict(stage='layer2', position=1, block=dict(gta_block, in_channels=512)),
            dict(stage='layer2', position=3, block=dict(gta_block, in_channels=512)),
            dict(stage='layer3', position=1, block=dict(gta_block, in_channels=1024)),
            dict(stage='layer3', position=3, block=dict(gta_block, in_channels=1024)),
            dict(stage='layer3', position=5, block=dict(gta_block, in_channels=1024))]))
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=100, by_epoch=True,
                        milestones=[40, 80], gamma=0.1)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_begin=1, val_interval=5)
auto_scale_lr = dict(enable=False, base_batch_size=64)
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=3),
    visualization=dict(type='GTAVisualizationHook', draw=False, test_out_dir=None))
