# GTA-I3D-R50 on Something-Something V1: 32 frames spread uniformly over the video (mmaction2's
# UniformSample, the SlowFast SS-V2 sampler; frames of short videos repeat), the dataset base's
# SS recipe otherwise (320 x 240, multi-scale crop 224, selective flip; test centre crop, 1 clip),
# input NCTHW. A is 4 x 4 at layer2 / layer3 (32 / 8). Model and schedule: _base_/gta_i3d-r50.py.
_base_ = ['../_base_/datasets/sthv1.py', './_base_/gta_i3d-r50.py']
custom_imports = dict(imports=['cvshared.datasets.something', 'gta'], allow_failed_imports=False)
train_pipeline = [
    dict(type='UniformSample', clip_len=32),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(320, 240), keep_ratio=False),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66),
         random_crop=False, max_wh_scale_gap=1, num_fixed_crops=13),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='SelectiveFlip', flip_ratio=0.5, keep_labels=(86, 87, 93, 94, 166, 167)),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')]
val_pipeline = [
    dict(type='UniformSample', clip_len=32, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(320, 240), keep_ratio=False),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')]
model = dict(cls_head=dict(num_classes=174))
train_dataloader = dict(batch_size=8, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=8, dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=val_pipeline))
