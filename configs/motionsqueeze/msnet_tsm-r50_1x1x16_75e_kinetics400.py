# MSNet (TSM-R50 + MS module), 16 segments, Kinetics-400 (paper: 76.4 top-1), the official
# Kinetics recipe (scripts/train_TSM_Kinetics.sh, main_kinetics.py): SGD momentum 0.9 (no
# Nesterov), lr 0.02 for a batch of 96, weight decay 1e-4, gradient clipping 20, 75 epochs, lr
# x0.1 at 30 and 60, dropout 0.5; frames short side 256 (GroupScale(256)), multi-scale crop 224
# (13 fixed positions), horizontal flip; test short side 256, centre crop 224, 1 clip. Data: the
# shared Kinetics-400 base (mmaction2 video-list layout, kinetics400_{train,val}_list_videos.txt,
# videos_{train,val}/, cvshared.datasets.action.KineticsVideoDataset: errors naming the file),
# whose pipelines a config sets.
_base_ = ['../_base_/datasets/kinetics400.py', './_base_/msnet_tsm-r50_40e.py']
custom_imports = dict(imports=['cvshared.video.stage_blocks', 'cvshared.datasets.action',
                               'motionsqueeze'], allow_failed_imports=False)
num_segments = 16
model = dict(backbone=dict(num_segments=num_segments),
             cls_head=dict(num_classes=400, num_segments=num_segments))
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
train_dataloader = dict(batch_size=12,  # x 8 GPUs = 96
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=6, dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=75)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=75, by_epoch=True,
                        milestones=[30, 60], gamma=0.1)]
optim_wrapper = dict(optimizer=dict(lr=0.02, weight_decay=1e-4, nesterov=False),
                     clip_grad=dict(max_norm=20))
auto_scale_lr = dict(base_batch_size=96)
