# MSNet (TSM-R50 + MS module), 16 segments, HMDB51 split 1 (paper: 77.4 top-1, the average
# of the three splits: run split1/2/3 and take the mean of their acc/top1). Fine-tuned from
# the Kinetics-400 MSNet (load_from). Data: the shared HMDB51 base (official 70/30 split files;
# MotionSqueeze's main_kinetics.py pipelines, redefined here with 16 segments). The official
# repository has no HMDB51 script: the schedule is TSM's fine-tuning recipe (lr 0.001, 25
# epochs, x0.1 at 10 and 20, clip 20).
_base_ = ['../_base_/datasets/hmdb51.py', './_base_/msnet_tsm-r50_40e.py']
custom_imports = dict(imports=['cvshared.video.stage_blocks', 'cvshared.datasets.action',
                               'motionsqueeze'], allow_failed_imports=False)
num_segments = 16
model = dict(backbone=dict(num_segments=num_segments, pretrained=None),
             cls_head=dict(num_classes=51, num_segments=num_segments))
load_from = 'checkpoints/msnet_tsm-r50_1x1x16_75e_kinetics400.pth'  # head re-initialised
hmdb51_split = 1  # the base variable, redefined by the split-2 / split-3 configs
train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments),
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
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
test_pipeline = val_pipeline
train_dataloader = dict(batch_size=6, dataset=dict(split=hmdb51_split, pipeline=train_pipeline))
val_dataloader = dict(batch_size=6, dataset=dict(split=hmdb51_split, pipeline=val_pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=25)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=25, by_epoch=True,
                        milestones=[10, 20], gamma=0.1)]
optim_wrapper = dict(optimizer=dict(lr=0.001), clip_grad=dict(max_norm=20))
