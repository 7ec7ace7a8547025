# SELFY on the synthetic motion-only set in the SS-V2 layout (cvshared write_synthetic_sthv2:
# 4 classes = direction of a translating stationary texture, 64 x 64, 16 frames; make reproduce
# PAPER=selfy / tools/train.py write it at data/synthetic/selfy). CPU minutes: mmaction2's TSM
# ResNet-18 from scratch (no ImageNet), the SELFY block after layer2 (128 channels, 8 x 8 at
# this input, STSS on 4 x 4 with the paper's (5, 9, 9) window) with narrower hidden widths,
# 8 segments, the official optimiser (SGD Nesterov, clip 20) at lr 0.01 for 6 epochs.
_base_ = ['./selfy_tsm-r50_1x1x8_50e_sthv2.py']
data_root = '{{$DATA_ROOT:data/synthetic/selfy}}'
num_segments = 8
model = dict(
    backbone=dict(depth=18, pretrained=None, pretrained2d=False, blocks=[dict(
        stage='layer2', position='after',
        block=dict(type='SELFYBlock', in_channels=128, hid_channels=32, window=(5, 9, 9),
                   ext_channels=(4, 8, 16, 16), int_channels=(16, 16, 16, 16),
                   extraction='conv'))]),
    cls_head=dict(num_classes=4, in_channels=512, dropout_ratio=0.5))
train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments),
    dict(type='DecordDecode'),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
val_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
train_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root, pipeline=val_pipeline))
test_dataloader = val_dataloader
param_scheduler = [dict(type='MultiStepLR', begin=0, end=6, by_epoch=True, milestones=[4],
                        gamma=0.1)]
train_cfg = dict(max_epochs=6, val_interval=6)
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(interval=6))
