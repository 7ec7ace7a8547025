# MSNet = TSM-ResNet-50 + the MotionSqueeze module after res3 (layer2), on Something-Something
# V2, with the official recipe (arunos728/MotionSqueeze scripts/train_TSM_Something_v1.sh +
# main_something.py + opts.py): SGD Nesterov momentum 0.9, lr 0.01 for a batch of 48, weight
# decay 5e-4 (opts.py default), 40 epochs, lr x0.1 at 20 and 30, gradient clipping 200 (--gd),
# dropout 0.5, average consensus, TSN policies with 5x / 10x lr on the classifier (fc_lr5), no
# partial BN; ImageNet ResNet-50 initialisation (checkpoints/resnet50-19c8e357.pth).
_base_ = ['../../_base_/models/tsm_r50_stage_blocks.py', '../../_base_/runtime/mmaction.py']

custom_imports = dict(imports=['cvshared.video.stage_blocks', 'cvshared.datasets.something',
                               'cvshared.datasets.action', 'motionsqueeze'],
                      allow_failed_imports=False)
num_segments = 8
num_classes = 174
model = dict(
    backbone=dict(num_segments=num_segments, blocks=[
        dict(stage='layer2', position='after',
             block=dict(type='MotionSqueezeBlock', in_channels=512, reduced_channels=64,
                        patch_size=15, sigma=5.0, temperature=100.0))]),
    cls_head=dict(num_classes=num_classes, num_segments=num_segments, dropout_ratio=0.5,
                  average_clips='prob'))

data_root = '{{$DATA_ROOT:data/sthv2}}'
dataset_type = 'SthV2Dataset'
train_pipeline = [
    dict(type='CheckedPyAVInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments),
    dict(type='PyAVDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66),
         random_crop=False, max_wh_scale_gap=1, num_fixed_crops=13),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]  # no flip on Something-Something (direction is the label)
val_pipeline = [
    dict(type='CheckedPyAVInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments,
         test_mode=True),
    dict(type='PyAVDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')]
train_dataloader = dict(
    batch_size=6,  # x 8 GPUs = 48, the official batch
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root,
                 ann_file='labels/something-something-v2-train.json',
                 data_prefix=dict(video='20bn-something-something-v2'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=6,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root,
                 ann_file='labels/something-something-v2-validation.json',
                 data_prefix=dict(video='20bn-something-something-v2'),
                 pipeline=val_pipeline, test_mode=True))
test_dataloader = val_dataloader  # the paper reports the validation set (1 clip, centre crop)
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=40, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [dict(type='MultiStepLR', begin=0, end=40, by_epoch=True,
                        milestones=[20, 30], gamma=0.1)]
optim_wrapper = dict(
    constructor='TSMOptimWrapperConstructor',
    paramwise_cfg=dict(fc_lr5=True),
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=True),
    clip_grad=dict(max_norm=200, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=48)

default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=3),
    visualization=dict(type='MotionSqueezeVisualizationHook', draw=False, test_out_dir=None))
