# AntiCo + Proxy Anchor on the synthetic CUB-layout set (CPU, seconds): 16 shape x colour classes
# of 12 images at 32 px (antico.paper.SYNTHETIC), the first 8 train, the last 8 test; a thin
# random-init mmpretrain ResNet-18 (base width 16) whose BatchNorm trains, d = 64; 8 classes x 4
# per batch; the official loss weights with Adam lr 1e-3 (proxies x2000 would be 2 here: x100).
# `tools/train.py` / `make reproduce PAPER=antico` write the set at data/synthetic/antico.
_base_ = ['../_base_/datasets/cub_synthetic.py', './_base_/antico_r50.py']

custom_imports = dict(imports=['cvshared.retrieval', 'antico'], allow_failed_imports=False)

data_root = '{{$DATA_ROOT:data/synthetic/antico}}'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]

model = dict(
    image_encoder=[
        dict(type='ResNet', depth=18, base_channels=16, stem_channels=16, out_indices=(3, ),
             norm_eval=False, norm_cfg=dict(type='BN', requires_grad=True), init_cfg=None),
        dict(type='EmbeddingNeck', in_channels=128, out_channels=64, pooling='avg+max'),
    ],
    head=dict(num_classes=8, embed_dim=64))

train_dataloader = dict(
    batch_size=32,
    sampler=dict(_delete_=True, type='MPerClassSampler', batch_size=32, m=4, seed=0,
                 num_batches=10),
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(batch_size=48, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=1e-3),
                     paramwise_cfg=dict(custom_keys={'proxies': dict(lr_mult=100, decay_mult=0)}))
train_cfg = dict(max_epochs=12, val_interval=12)
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(interval=12))
