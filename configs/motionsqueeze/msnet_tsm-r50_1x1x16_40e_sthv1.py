# MSNet (TSM-R50 + MS module), 16 segments, Something-Something V1 (paper: 52.1 top-1).
# The released JPEG frame folders and csv lists (the shared SS-V1 base, cvshared SthV1Dataset);
# official recipe as SS-V2 (scripts/train_TSM_Something_v1.sh, main_something.py). The base's
# pipelines are redefined with 16 segments (mmengine substitutes base variables at parse time).
_base_ = ['../_base_/datasets/sthv1.py', './_base_/msnet_tsm-r50_40e.py']
custom_imports = dict(imports=['cvshared.video.stage_blocks', 'cvshared.datasets.something',
                               'motionsqueeze'], allow_failed_imports=False)
num_segments = 16
model = dict(backbone=dict(num_segments=num_segments),
             cls_head=dict(num_segments=num_segments))
train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(320, 240), keep_ratio=False),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66),
         random_crop=False, max_wh_scale_gap=1, num_fixed_crops=13),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='SelectiveFlip', flip_ratio=0.5, keep_labels=(86, 87, 93, 94, 166, 167)),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
val_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments,
         test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(320, 240), keep_ratio=False),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
test_pipeline = val_pipeline
train_dataloader = dict(batch_size=6, dataset=dict(pipeline=train_pipeline))  # x 8 GPUs = 48
val_dataloader = dict(batch_size=6, dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
