# MSNet on the synthetic motion-only SS-V2-layout set (4 directions of a translating random
# texture, chance 25 %; cvshared.datasets.something_synthetic): TSM-ResNet-18 + the MS module
# after layer2 (128 channels), 8 segments of 64 x 64 frames, random initialisation, CPU minutes.
# `make reproduce PAPER=motionsqueeze` / tools/train.py generate the set at
# data/synthetic/motionsqueeze. "Without the block": --cfg-options model.backbone.blocks=[].
_base_ = ['./_base_/msnet_tsm-r50_sthv2.py']

num_segments = 8
model = dict(
    backbone=dict(depth=18, pretrained=None, pretrained2d=False, num_segments=num_segments,
                  blocks=[
        dict(stage='layer2', position='after',
             block=dict(type='MotionSqueezeBlock', in_channels=128))]),
    cls_head=dict(num_classes=4, in_channels=512, num_segments=num_segments))

data_root = '{{$DATA_ROOT:data/synthetic/motionsqueeze}}'
train_pipeline = [
    dict(type='CheckedPyAVInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments),
    dict(type='PyAVDecode'),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
val_pipeline = [
    dict(type='CheckedPyAVInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments,
         test_mode=True),
    dict(type='PyAVDecode'),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root,
                 ann_file='labels/something-something-v2-train.json',
                 data_prefix=dict(video='20bn-something-something-v2'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root,
                 ann_file='labels/something-something-v2-validation.json',
                 data_prefix=dict(video='20bn-something-something-v2'),
                 pipeline=val_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(max_epochs=12, val_interval=12)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[10],
                        gamma=0.1)]
# Adam (not the paper's SGD): from scratch in 144 steps on CPU
optim_wrapper = dict(optimizer=dict(_delete_=True, type='Adam', lr=1e-3, weight_decay=1e-4))
default_hooks = dict(checkpoint=dict(interval=12), logger=dict(interval=5))
