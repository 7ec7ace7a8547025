# HMDB51 with the official 70/30 splits (cvshared.datasets.action.HMDB51Dataset). DATA_ROOT
# holds testTrainMulti_7030_splits/<class>_test_split<k>.txt and <class>/<video>.avi.
# split = 1; MotionSqueeze reports the average of splits 1-3 (one config per split: set
# hmdb51_split in a config and redefine the two datasets' `split`).
# Pipelines: MotionSqueeze's main_kinetics.py recipe: 8 TSN-style segments, short side 256
# (GroupScale(256)), multi-scale crop 224 (13 fixed positions), horizontal flip; test: short
# side 256, centre crop 224, 1 clip (16 frames: redefine with num_clips=16).
custom_imports = dict(imports=['cvshared.datasets.action'], allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/hmdb51}}'
dataset_type = 'HMDB51Dataset'
hmdb51_split = 1
num_segments = 8
train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66),
         random_crop=False, max_wh_scale_gap=1, num_fixed_crops=13),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
val_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
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
        split=hmdb51_split,
        subset='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split=hmdb51_split,
        subset='test',
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric', metric_list=('top_k_accuracy',),
                     metric_options=dict(top_k_accuracy=dict(topk=(1, 5))))
test_evaluator = val_evaluator
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
