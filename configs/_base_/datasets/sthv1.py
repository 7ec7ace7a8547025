# Something-Something V1 in its released layout (cvshared.datasets.something.SthV1Dataset).
# DATA_ROOT holds 20bn-something-something-v1/<id>/%05d.jpg and something-something-v1-*.csv.
# Pipelines: the official SELFY / MotionSqueeze recipe, as in sthv2.py (8 TSN-style segments,
# 320 x 240, multi-scale crop 224 with 13 fixed positions, selective flip (official indices 86,
# 87, 93, 94, 166, 167 of the SS-V1 category list), test centre crop 224, 1 clip; 2 clips:
# twice_sample=True; 16 frames: redefine the pipelines with num_clips=16).
# min_frames=1: the segment sampler repeats frames of short videos, as the official one.
custom_imports = dict(imports=['cvshared.datasets.something'], allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/sthv1}}'
dataset_type = 'SthV1Dataset'
num_segments = 8
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
train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='something-something-v1-train.csv',
        label_file='something-something-v1-labels.csv',
        data_prefix=dict(img='20bn-something-something-v1'),
        min_frames=1,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='something-something-v1-validation.csv',
        label_file='something-something-v1-labels.csv',
        data_prefix=dict(img='20bn-something-something-v1'),
        min_frames=1,
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = val_dataloader  # the papers report the validation set
val_evaluator = dict(type='AccMetric', metric_list=('top_k_accuracy',),
                     metric_options=dict(top_k_accuracy=dict(topk=(1, 5))))
test_evaluator = val_evaluator
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
