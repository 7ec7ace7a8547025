# Collaborative memory I3D-R50 on Kinetics-400: 3 clips of 32 x 2 frames per video and
# iteration, trained video-level end to end; test 10 clips x 3 crops sharing one memory.
_base_ = ['../_base_/datasets/kinetics400.py', './_base_/collabmem_i3d-r50_100e.py']
custom_imports = dict(imports=['cvshared.datasets.action', 'collabmem'],
                      allow_failed_imports=False)
num_clips, clip_len, frame_interval = 3, 32, 2
train_pipeline = [
    dict(type='CheckedDecordInit', min_frames=num_clips * clip_len * frame_interval),
    dict(type='CheckedSampleFrames', clip_len=clip_len, frame_interval=frame_interval,
         num_clips=num_clips),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.8), random_crop=False,
         max_wh_scale_gap=0),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')]
val_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='CheckedSampleFrames', clip_len=clip_len, frame_interval=frame_interval,
         num_clips=num_clips, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')]
test_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='CheckedSampleFrames', clip_len=clip_len, frame_interval=frame_interval,
         num_clips=10, test_mode=True, allow_overlap=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='ThreeCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')]
train_dataloader = dict(batch_size=2, dataset=dict(pipeline=train_pipeline))  # 2 videos x 8 GPUs
val_dataloader = dict(batch_size=1, dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(
    batch_size=1, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='KineticsVideoDataset',
                 ann_file='{{$DATA_ROOT:data/kinetics400}}/kinetics400_val_list_videos.txt',
                 data_prefix=dict(video='{{$DATA_ROOT:data/kinetics400}}/videos_val'),
                 pipeline=test_pipeline, test_mode=True))
