# HFAN on the synthetic DAVIS-layout set (cvshared.datasets.davis_synthetic, written by the tools
# on first use to data/synthetic/hfan), CPU in about two minutes: a tiny randomly initialised
# MiT (16/16/32/32 channels, one block per stage), 64 x 64 frames.
_base_ = ['./_base_/hfan_model.py', '../_base_/datasets/davis16_frameflow.py']
data_root = '{{$DATA_ROOT:data/synthetic/hfan}}'
crop_size = (64, 64)
randomness = dict(seed=0, deterministic=False)
env_cfg = dict(cudnn_benchmark=False)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(backbone=dict(
        embed_dims=16, num_layers=[1, 1, 1, 1], num_heads=[1, 1, 2, 2], sr_ratios=[4, 2, 1, 1],
        mlp_ratio=2, drop_path_rate=0.0, init_cfg=None)),
    decode_head=dict(in_channels=[16, 16, 32, 32], channels=16, embed_dim=32,
                     norm_cfg=dict(type='BN', requires_grad=True)))
meta_keys = {{_base_.meta_keys}}
train_pipeline = [
    dict(type='LoadFrameAndFlow'),
    dict(type='LoadBinaryMask'),
    dict(type='RandomResize', scale=(64, 64), ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PairPhotoMetricDistortion'),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadFrameAndFlow'),
    dict(type='LoadBinaryMask'),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]
# the paper's multi-scale + flip protocol at this frame size (ratios of the 64 x 64 frames)
tta_pipeline = [
    dict(type='LoadFrameAndFlow'),
    dict(type='TestTimeAug', transforms=[
        [dict(type='Resize', scale=(int(64 * r), int(64 * r)), keep_ratio=True)
         for r in (0.75, 1.0, 1.75)],
        [dict(type='RandomFlip', prob=0., direction='horizontal'),
         dict(type='RandomFlip', prob=1., direction='horizontal')],
        [dict(type='LoadBinaryMask')],
        [dict(type='PackSegInputs', meta_keys=meta_keys)]]),
]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='DAVIS2016FrameFlowDataset', data_root=data_root,
                 ann_file='ImageSets/2016/train.txt', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
# from-scratch tiny encoder: a larger lr than the paper's 6e-5 (which fine-tunes ImageNet
# weights), the same lr for the head, and a poly decay without warm-up over 600 iterations
optim_wrapper = dict(optimizer=dict(lr=4e-3), paramwise_cfg=dict(custom_keys={'head': dict(lr_mult=1.)}))
param_scheduler = [dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=0, end=600)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=600, val_interval=600)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=600))
