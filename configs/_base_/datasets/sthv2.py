# Something-Something V2 in its released layout (cvshared.datasets.something.SthV2Dataset).
# DATA_ROOT is the folder holding 20bn-something-something-v2/<id>.webm and labels/*.json.
# Pipelines: the official SELFY / MotionSqueeze recipe (TSM codebase, main.py / ops/models.py):
# 8 TSN-style segments, one frame each (random offset per segment in training, segment centres
# at test); frames resized to 320 x 240 (GroupScale((240, 320))), multi-scale crop 224 with
# scales (1, .875, .75, .66) and the 13 fixed crop positions (GroupMultiScaleCrop,
# more_fix_crop), horizontal flip except the six left/right classes (selective_flip); test:
# 320 x 240, centre crop 224, 1 clip.  The papers' other test settings, for a config to set:
#   2 clips:  SampleFrames(..., num_clips=8, test_mode=True, twice_sample=True)
#   full resolution 3 crops: Resize(scale=(-1, 256)) + ThreeCrop(crop_size=256)
# 16 frames: a config redefines the pipelines with num_clips=16 (mmengine substitutes base
# variables at parse time, so changing num_segments alone would not reach them).
# A config inheriting this may add imports to custom_imports, keeping this module listed.
custom_imports = dict(imports=['cvshared.datasets.something'], allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/sthv2}}'
dataset_type = 'SthV2Dataset'
num_segments = 8
left_right_classes = ['Pulling something from left to right',
                      'Pulling something from right to left',
                      'Pushing something from left to right',
                      'Pushing something from right to left',
                      'Turning the camera left while filming something',
                      'Turning the camera right while filming something']
train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(320, 240), keep_ratio=False),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66),
         random_crop=False, max_wh_scale_gap=1, num_fixed_crops=13),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='SelectiveFlip', flip_ratio=0.5, keep_classes=left_right_classes,
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
train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
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
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='labels/something-something-v2-validation.json',
        label_file='labels/something-something-v2-labels.json',
        data_prefix=dict(video='20bn-something-something-v2'),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = val_dataloader  # the papers report the validation set (the test has no labels)
val_evaluator = dict(type='AccMetric', metric_list=('top_k_accuracy',),
                     metric_options=dict(top_k_accuracy=dict(topk=(1, 5))))
test_evaluator = val_evaluator
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
