# MSNet (TSM-R50 + MS module), 16 segments, Something-Something V2 (paper: 64.7 top-1).
# Batch 48 as the 8-segment recipe (6 clips x 8 GPUs; halve it and the lr if memory asks).
# The SS-V2 base's pipelines are redefined with 16 segments (mmengine substitutes base
# variables at parse time), and the backbone / head take num_segments=16.
_base_ = ['./msnet_tsm-r50_1x1x8_40e_sthv2.py']
num_segments = 16
data_root = '{{$DATA_ROOT:data/sthv2}}'  # as the base (an f-string cannot read _base_)
model = dict(backbone=dict(num_segments=num_segments),
             cls_head=dict(num_segments=num_segments))
train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(320, 240), keep_ratio=False),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66),
         random_crop=False, max_wh_scale_gap=1, num_fixed_crops=13),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='SelectiveFlip', flip_ratio=0.5, keep_classes={{_base_.left_right_classes}},
         label_file=f'{data_root}/labels/something-something-v2-labels.json'),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
val_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(320, 240), keep_ratio=False),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
test_pipeline = val_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
