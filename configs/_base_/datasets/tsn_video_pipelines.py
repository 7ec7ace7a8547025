# TSN / TSM video pipelines with 8 segments (mmaction2's TSM recipe, MotionSqueeze's
# main_kinetics.py): train: 8 segments of 1 frame, short side 256, multi-scale crop 224 (13 fixed
# positions), horizontal flip; val / test: short side 256, centre crop 224, 1 clip. Decoded with
# cvshared's CheckedDecordInit (errors name the file). A data set base or a config inheriting
# this puts them into its loaders with {{_base_.train_pipeline}} / {{_base_.val_pipeline}}.
train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8),
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
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
test_pipeline = val_pipeline
