# The synthetic motion-only set (cvshared.datasets.something_synthetic.write_synthetic_sthv2) in
# the SS-V2 layout, read by SthV2Dataset. data_root is a variable: a package config overrides it
# with its own synthetic folder (`data_root = 'data/synthetic/<key>'` plus the dataloaders'
# `data_root`), or the DATA_ROOT environment variable sets it when this file is parsed.
# Pipelines: 8 TSN-style segments of one frame, the frames at their written size (no crop, no
# flip: flipping would swap the left/right classes; cropping changes nothing the task needs),
# test: segment centres. Top-1 only (4 classes by default: top-5 would be 1).
custom_imports = dict(imports=['cvshared.datasets.something'], allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/synthetic/sthv2}}'
dataset_type = 'SthV2Dataset'
num_segments = 8
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
test_pipeline = val_pipeline
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='labels/something-something-v2-train.json',
        label_file='labels/something-something-v2-labels.json',
        data_prefix=dict(video='20bn-something-something-v2'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='labels/something-something-v2-validation.json',
        label_file='labels/something-something-v2-labels.json',
        data_prefix=dict(video='20bn-something-something-v2'),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric', metric_list=('top_k_accuracy',),
                     metric_options=dict(top_k_accuracy=dict(topk=(1,))))
test_evaluator = val_evaluator
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
