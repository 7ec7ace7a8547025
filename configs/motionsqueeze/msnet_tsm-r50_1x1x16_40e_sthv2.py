# MSNet (TSM-R50 + MS module), 16 segments, Something-Something V2 (paper: 64.7 top-1).
# Batch 48 as the 8-segment recipe (6 clips x 8 GPUs; halve it and the lr if memory asks).
_base_ = ['./_base_/msnet_tsm-r50_sthv2.py']
num_segments = 16
model = dict(backbone=dict(num_segments=num_segments),
             cls_head=dict(num_segments=num_segments))
train_pipeline = [
    dict(type='CheckedPyAVInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments),
    dict(type='PyAVDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66),
         random_crop=False, max_wh_scale_gap=1, num_fixed_crops=13),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]  # no flip on Something-Something (direction is the label)
val_pipeline = [
    dict(type='CheckedPyAVInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments,
         test_mode=True),
    dict(type='PyAVDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
train_dataloader = dict(batch_size=6, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
