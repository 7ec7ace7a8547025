# GTA-I3D-R50 on Something-Something V2: 32 frames spread uniformly over the video (mmaction2's
# UniformSample), the dataset base's SS-V2 recipe otherwise (320 x 240, multi-scale crop 224,
# flip except the six left/right classes; test centre crop, 1 clip), input NCTHW. A is 4 x 4 at
# layer2 / layer3 (32 / 8). Model and schedule: _base_/gta_i3d-r50.py.
_base_ = ['../_base_/datasets/sthv2.py', './_base_/gta_i3d-r50.py']
custom_imports = dict(imports=['cvshared.datasets.something', 'gta'], allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/sthv2}}'
left_right_classes = ['Pulling something from left to right',  # as the dataset base
                      'Pulling something from right to left',
                      'Pushing something from left to right',
                      'Pushing something from right to left',
                      'Turning the camera left while filming something',
                      'Turning the camera right while filming something']
train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='UniformSample', clip_len=32),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(320, 240), keep_ratio=False),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66),
         random_crop=False, max_wh_scale_gap=1, num_fixed_crops=13),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='SelectiveFlip', flip_ratio=0.5, keep_classes=left_right_classes,
         label_file=f'{data_root}/labels/something-something-v2-labels.json'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')]
val_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='UniformSample', clip_len=32, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(320, 240), keep_ratio=False),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')]
model = dict(cls_head=dict(num_classes=174))
train_dataloader = dict(batch_size=8, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=8, dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=val_pipeline))
