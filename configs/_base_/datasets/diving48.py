# Diving-48 V2 in its released layout (cvshared.datasets.action.Diving48Dataset). DATA_ROOT
# holds Diving48_V2_{train,test}.json, Diving48_vocab.json and rgb/<vid_name>.mp4.
# Pipelines: SELFY's main.py recipe (its Diving-48 / FineGym lists and scripts are not released):
# 8 TSN-style segments, 320 x 240, multi-scale crop 224 (13 fixed positions), horizontal flip
# (the SS selective flip's class indices do not apply here); test: centre crop 224, 1 clip
# (2 clips: SampleFrames(..., twice_sample=True); 16 frames: redefine with num_clips=16).
# Evaluated on the test split (the papers' Diving-48 protocol), top-1 / top-5.
custom_imports = dict(imports=['cvshared.datasets.action'], allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/diving48}}'
dataset_type = 'Diving48Dataset'
num_segments = 8
train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(320, 240), keep_ratio=False),
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
        ann_file='Diving48_V2_train.json',
        vocab_file='Diving48_vocab.json',
        data_prefix=dict(video='rgb'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='Diving48_V2_test.json',
        vocab_file='Diving48_vocab.json',
        data_prefix=dict(video='rgb'),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric', metric_list=('top_k_accuracy',),
                     metric_options=dict(top_k_accuracy=dict(topk=(1, 5))))
test_evaluator = val_evaluator
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
