# GTA-I3D-R50 on Kinetics-400 (mmaction2's video-list layout): mmaction2's I3D-R50 K400
# pipelines (32 frames at interval 2, short side 256, multi-scale crop 224, flip; test centre
# crop, 1 clip). Model and schedule: _base_/gta_i3d-r50.py (A is 4 x 4 at layer2 / layer3).
_base_ = ['../_base_/datasets/kinetics400.py', './_base_/gta_i3d-r50.py']
custom_imports = dict(imports=['cvshared.datasets.action', 'gta'], allow_failed_imports=False)
train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=32, frame_interval=2, num_clips=1),
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
    dict(type='SampleFrames', clip_len=32, frame_interval=2, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')]
model = dict(cls_head=dict(num_classes=400))
train_dataloader = dict(batch_size=8, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=8, dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=val_pipeline))
