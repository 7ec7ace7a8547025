# SELFYNet-TSM-R50 on Something-Something V1, 16 segments: the 16-frame member of the paper's
# SS-V1 ensemble (55.8 top-1 with 1 clip, the ENSEMBLE of this model and
# selfy_tsm-r50_1x1x8_50e_sthv1.py; see that config). The pipelines of the sthv1 base are
# redefined with 16 segments (mmengine substitutes base variables at parse time), and the
# backbone / head / block take num_segments=16.
_base_ = ['./selfy_tsm-r50_1x1x8_50e_sthv1.py']
num_segments = 16
model = dict(backbone=dict(num_segments=num_segments),
             cls_head=dict(num_segments=num_segments))
train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(320, 240), keep_ratio=False),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66),
         random_crop=False, max_wh_scale_gap=1, num_fixed_crops=13),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='SelectiveFlip', flip_ratio=0.5, keep_labels=(86, 87, 93, 94, 166, 167)),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
val_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments,
         test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(320, 240), keep_ratio=False),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
