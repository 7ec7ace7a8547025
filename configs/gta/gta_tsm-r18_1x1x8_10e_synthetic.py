# GTA on the synthetic long-range ORDER set in the SS-V2 layout (gta.datasets.make_synthetic: a
# red and a blue square in two frames >= 4 apart of 8, 32 x 32, label = which comes first;
# make reproduce PAPER=gta / tools/train.py write it at data/synthetic/gta), read with the shared
# synthetic base (configs/_base_/datasets/sthv2_synthetic.py: 8 segments = the 8 frames, no
# crop, no flip). CPU minutes: mmaction2's TSM ResNet-18 from scratch (no ImageNet), one GTA
# block after layer2 (128 channels, 4 x 4 positions at this input, pixel + region level, 4
# heads, 4 regions), Adam lr 1e-3 for 10 epochs (ours).
_base_ = ['../_base_/datasets/sthv2_synthetic.py', './_base_/gta_tsm-r50.py']
custom_imports = dict(imports=['cvshared.video.stage_blocks', 'cvshared.datasets.something',
                               'gta'], allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/synthetic/gta}}'
model = dict(
    backbone=dict(depth=18, pretrained=None, pretrained2d=False, blocks=[dict(
        stage='layer2', position='after',
        block=dict(type='GTABlock', in_channels=128, levels=('pixel', 'region'), num_heads=4,
                   num_regions=4))]),
    cls_head=dict(num_classes=2, in_channels=512, dropout_ratio=0.5))
train_dataloader = dict(batch_size=8, persistent_workers=False,
                        dataset=dict(data_root=data_root))
val_dataloader = dict(persistent_workers=False, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
optim_wrapper = dict(_delete_=True, optimizer=dict(type='Adam', lr=1e-3),
                     clip_grad=dict(max_norm=20, norm_type=2))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=10, by_epoch=True, milestones=[8],
                        gamma=0.1)]
train_cfg = dict(max_epochs=10, val_interval=10)
default_hooks = dict(logger=dict(interval=6), checkpoint=dict(interval=10))
