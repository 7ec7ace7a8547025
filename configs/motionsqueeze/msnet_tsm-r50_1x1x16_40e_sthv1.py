# MSNet (TSM-R50 + MS module), 16 segments, Something-Something V1 (paper: 52.1 top-1).
# The released JPEG frame folders and csv lists (cvshared SthV1Dataset); official recipe as
# SS-V2 (scripts/train_TSM_Something_v1.sh).
_base_ = ['./_base_/msnet_tsm-r50_sthv2.py']
num_segments = 16
model = dict(backbone=dict(num_segments=num_segments),
             cls_head=dict(num_segments=num_segments))
data_root = '{{$DATA_ROOT:data/sthv1}}'
train_pipeline = [
        dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66),
         random_crop=False, max_wh_scale_gap=1, num_fixed_crops=13),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]  # no flip on Something-Something (direction is the label)
val_pipeline = [
        dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments,
         test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
train_dataloader = dict(dataset=dict(
    _delete_=True, type='SthV1Dataset', data_root=data_root,
    ann_file='something-something-v1-train.csv',
    label_file='something-something-v1-labels.csv',
    data_prefix=dict(img='20bn-something-something-v1'),
    pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    _delete_=True, type='SthV1Dataset', data_root=data_root,
    ann_file='something-something-v1-validation.csv',
    label_file='something-something-v1-labels.csv',
    data_prefix=dict(img='20bn-something-something-v1'),
    pipeline=val_pipeline, test_mode=True))
test_dataloader = val_dataloader
