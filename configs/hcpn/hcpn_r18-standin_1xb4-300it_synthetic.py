# HCPN on the synthetic DAVIS frame-pair set (cvshared.datasets.davis_synthetic with
# frame_pairs=True: pair flows, HED-like edges, contour ground truth = the 3 x 3 morphological
# gradient of the mask; written by the tools on first use to data/synthetic/hcpn), CPU in
# minutes: three randomly initialised ResNet-18 stand-ins (8 base channels), mdim 16, 64 x 64.
_base_ = ['./_base_/hcpn_model.py', './_base_/hcpn_frame_pairs.py']
data_root = '{{$DATA_ROOT:data/synthetic/hcpn}}'
crop_size = (64, 64)
randomness = dict(seed=0, deterministic=False)
env_cfg = dict(cudnn_benchmark=False)
model = dict(
    data_preprocessor=dict(size=crop_size),
    encoder=dict(backbone=dict(depth=18, base_channels=8, stem_channels=8, init_cfg=None)),
    decoder=dict(mdim=16),
    flip_test=False)
meta_keys = {{_base_.meta_keys}}
train_pipeline = [
    dict(type='LoadFramePair'),
    dict(type='LoadFramePairAnnotations', with_hed=True, with_contour=True, bytescale=True),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackFramePairInputs', meta_keys=meta_keys),
]
# one sample per frame of each validation video (VOSFramePairEvalDataset of the base config)
test_pipeline = [
    dict(type='LoadFramePair'),
    dict(type='LoadEvalFrameMask'),
    dict(type='PackFramePairInputs', meta_keys=meta_keys),
]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='DAVIS16FramePairDataset', data_root=data_root, split='train',
                 with_contour=True, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
# from-scratch streams: a larger lr than the paper's 1e-3 / 1e-4 (which fine-tune ImageNet
# weights), the same for encoder and decoder, Adam instead of SGD; no flip at test (speed)
optim_wrapper = dict(optimizer=dict(_delete_=True, type='Adam', lr=2e-3),
                     paramwise_cfg=dict(custom_keys={'encoder': dict(lr_mult=1.0)}))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=300, val_interval=300)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=300))
