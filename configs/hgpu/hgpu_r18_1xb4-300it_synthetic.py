# HGPU on the synthetic DAVIS-16 frame-pair set (cvshared.datasets.davis_synthetic with
# frame_pairs=True, written by the tools on first use to data/synthetic/hgpu), CPU in minutes:
# three randomly initialised ResNet-18 streams of width 16 (16/32/64/128 channels) as the
# ResNet-101 stand-in, mdim 32, 64 x 64 pairs, the 'main' mode (5 message rounds).
_base_ = ['./_base_/hgpu_model.py', './_base_/davis16_pairs.py']
data_root = '{{$DATA_ROOT:data/synthetic/hgpu}}'
img_size = (64, 64)
randomness = dict(seed=0, deterministic=False)
env_cfg = dict(cudnn_benchmark=False)
channels = (16, 32, 64, 128)
model = dict(
    data_preprocessor=dict(size=img_size),
    backbone=dict(
        mode='main', channels=channels,
        backbone=dict(depth=18, stem_channels=16, base_channels=16, init_cfg=None)),
    decode_head=dict(in_channels=channels, channels=32))
train_pipeline = [
    dict(type='LoadFramePair'),
    dict(type='LoadFramePairAnnotations', with_hed=True),
    dict(type='Resize', scale=img_size, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackFramePairInputs'),
]
test_pipeline = [
    dict(type='LoadFramePair'),
    dict(type='Resize', scale=img_size, keep_ratio=False),
    dict(type='LoadEvalFrameMask'),
    dict(type='PackFramePairInputs'),
]
tta_pipeline = [
    dict(type='LoadFramePair'),
    dict(type='TestTimeAug', transforms=[
        [dict(type='Resize', scale=img_size, keep_ratio=False)],
        [dict(type='RandomFlip', prob=0., direction='horizontal'),
         dict(type='RandomFlip', prob=1., direction='horizontal')],
        [dict(type='LoadEvalFrameMask')],
        [dict(type='PackFramePairInputs')]]),
]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False, drop_last=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
# from scratch on a toy set: one lr for all (the paper's 1e-3 encoder lr fine-tunes ImageNet
# weights), SGD as the paper, a larger lr, poly decay
optim_wrapper = dict(optimizer=dict(lr=0.05),
                     paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.0)}))
param_scheduler = [dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=0,
                        end=300)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=300, val_interval=300)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=300))
