# MSNet on the synthetic motion-only SS-V2-layout set (4 directions of a translating random
# texture, chance 25 %; cvshared.datasets.something_synthetic), read with the shared synthetic
# base (configs/_base_/datasets/sthv2_synthetic.py: 8 segments, frames at their size, top-1):
# TSM-ResNet-18 + the MS module after layer2 (128 channels), 64 x 64 frames, random
# initialisation, CPU minutes. `make reproduce PAPER=motionsqueeze` / tools/train.py generate the
# set at data/synthetic/motionsqueeze. "Without the block": --cfg-options model.backbone.blocks=[].
_base_ = ['../_base_/datasets/sthv2_synthetic.py', './_base_/msnet_tsm-r50_40e.py']
custom_imports = dict(imports=['cvshared.video.stage_blocks', 'cvshared.datasets.something',
                               'motionsqueeze'], allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/synthetic/motionsqueeze}}'
model = dict(
    backbone=dict(depth=18, pretrained=None, pretrained2d=False, blocks=[
        dict(stage='layer2', position='after',
             block=dict(type='MotionSqueezeBlock', in_channels=128))]),
    cls_head=dict(num_classes=4, in_channels=512))
train_dataloader = dict(persistent_workers=False, dataset=dict(data_root=data_root))
val_dataloader = dict(persistent_workers=False, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader

train_cfg = dict(max_epochs=12, val_interval=12)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[10],
                        gamma=0.1)]
# Adam (not the paper's SGD): from scratch in 144 steps on CPU
optim_wrapper = dict(optimizer=dict(_delete_=True, type='Adam', lr=1e-3, weight_decay=1e-4))
default_hooks = dict(checkpoint=dict(interval=12), logger=dict(interval=5))
