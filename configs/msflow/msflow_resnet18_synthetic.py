# MSFlow on the synthetic MVTec-layout data set (cvshared.datasets.mvtec_synthetic), for CPU in
# minutes: `make reproduce PAPER=msflow` with no DATA_ROOT. The flows are the paper's (64-channel
# condition, parallel blocks (2, 5, 8), clamp 1.9, fusion flow, same loss and scoring); only the
# extractor (random-init ResNet-18, no download), the image size (128), the schedule and the
# learning rate differ from the paper config. `tools/train.py` on this config generates the set at
# data/synthetic/msflow on first use.
_base_ = ['./_base_/msflow_wrn50-2_100e_mvtec.py']

data_root = '{{$DATA_ROOT:data/synthetic/msflow}}'  # where SPEC.make_synthetic writes
category = 'synthetic_texture'
img_size = 128

model = dict(backbone=dict(model_name='resnet18', checkpoint=None))

pipeline = [
    dict(type='LoadAnomalyImageAndMask', img_size=img_size, interpolation='lanczos'),
    dict(type='PackAnomalyInputs'),
]
train_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, category=category, pipeline=pipeline))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, category=category, pipeline=pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, end_factor=1.0, by_epoch=True, begin=0, end=3),
    dict(type='MultiStepLR', milestones=[24], gamma=0.33, by_epoch=True, begin=0, end=32),
]
train_cfg = dict(max_epochs=32, val_interval=100)
default_hooks = dict(logger=dict(interval=4), checkpoint=dict(interval=100))
