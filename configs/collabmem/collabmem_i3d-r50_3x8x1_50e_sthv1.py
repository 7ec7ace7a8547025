# Collaborative memory I3D-R50 on Something-Something V1 (released JPEG frames, read by
# cvshared.datasets.something.SthV1Dataset): 3 clips of 8 consecutive frames per video (SS-V1
# videos have 20-70 frames), video-level training; test 3 clips x 1 centre crop. No flip (it
# swaps the left/right classes).
_base_ = ['../_base_/datasets/sthv1.py', './_base_/collabmem_i3d-r50_100e.py']
custom_imports = dict(imports=['cvshared.datasets.something', 'collabmem'],
                      allow_failed_imports=False)
num_clips, clip_len, frame_interval = 3, 8, 1
model = dict(cls_head=dict(num_classes=174))
train_pipeline = [
    dict(type='CheckedSampleFrames', clip_len=clip_len, frame_interval=frame_interval,
         num_clips=num_clips),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.8), random_crop=False,
         max_wh_scale_gap=0),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')]
val_pipeline = [
    dict(type='CheckedSampleFrames', clip_len=clip_len, frame_interval=frame_interval,
         num_clips=num_clips, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')]
test_pipeline = val_pipeline
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline,
                                                   min_frames=num_clips * clip_len))
val_dataloader = dict(batch_size=4, dataset=dict(pipeline=val_pipeline,
                                                 min_frames=num_clips * clip_len))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=50, val_interval=5)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=50, by_epoch=True,
                        milestones=[20, 40], gamma=0.1)]
