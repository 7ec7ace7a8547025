# GTA-TSM-R50: mmaction2's TSM ResNet-50 (configs/_base_/models/tsm_r50_stage_blocks.py: 8
# segments, ImageNet ResNet-50 from a path, TSMHead) with GTA blocks (gta.models.GTABlock, both
# levels, 8 cross-channel heads, 16 regions, softmax-normalised learned A of 8 x 8) where
# mmaction2's non-local TSM puts its non-local blocks (tsm_..._r50-nl-*: after residual blocks
# 0 and 2 of res3 = layer2 and 0, 2 and 4 of res4 = layer3). The paper's insertion points and
# recipe could not be read (README, Differences): this placement and mmaction2's TSM-R50
# schedule (SGD 0.02 for 128 clips, momentum 0.9, wd 1e-4, clip 20, fc lr x5, 50 epochs,
# warm-up 5, steps 25 / 45) are ours. A dataset config inherits this and its dataset base.
_base_ = ['../../_base_/models/tsm_r50_stage_blocks.py', '../../_base_/runtime/mmaction.py']

gta_block = dict(type='GTABlock', levels=('pixel', 'region'), reduction=2, num_heads=8,
                 num_regions=16, head_mixing='cross', normalize='softmax', init_std=1.0)
model = dict(
    backbone=dict(blocks=[
        dict(stage='layer2', position=0, block=dict(gta_block, in_channels=512)),
        dict(stage='layer2', position=2, block=dict(gta_block, in_channels=512)),
        dict(stage='layer3', position=0, block=dict(gta_block, in_channels=1024)),
        dict(stage='layer3', position=2, block=dict(gta_block, in_channels=1024)),
        dict(stage='layer3', position=4, block=dict(gta_block, in_channels=1024))]),
    cls_head=dict(dropout_ratio=0.5))
optim_wrapper = dict(
    constructor='TSMOptimWrapperConstructor',
    paramwise_cfg=dict(fc_lr5=True),
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=20, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=5),
    dict(type='MultiStepLR', begin=0, end=50, by_epoch=True, milestones=[25, 45], gamma=0.1)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50, val_begin=1, val_interval=1)
auto_scale_lr = dict(enable=False, base_batch_size=128)
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=3),
    visualization=dict(type='GTAVisualizationHook', draw=False, test_out_dir=None))
