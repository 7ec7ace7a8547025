# FineGym Gym99 (cvshared.datasets.action.FineGymDataset), mmaction2 tools/data/gym layout.
# DATA_ROOT holds annotations/gym99_{train_element_v1.1,val_element}.txt and the trimmed
# subaction clips subactions/<clip id>.mp4. Pipelines: SELFY's main.py recipe, as diving48.py.
# Metric: FineGym's mean per-class accuracy (SELFY's Gym99 87.7) = AccMetric 'mean1' (tested
# equal to sklearn's balanced_accuracy_score), plus top-1 / top-5. Gym288: subset='gym288' and
# the gym288 lists.
custom_imports = dict(imports=['cvshared.datasets.action'], allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/gym}}'
dataset_type = 'FineGymDataset'
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
        ann_file='annotations/gym99_train_element_v1.1.txt',
        subset='gym99',
        data_prefix=dict(video='subactions'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/gym99_val_element.txt',
        subset='gym99',
        data_prefix=dict(video='subactions'),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric', metric_list=('top_k_accuracy', 'mean_class_accuracy'),
                     metric_options=dict(top_k_accuracy=dict(topk=(1, 5))))
test_evaluator = val_evaluator
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
