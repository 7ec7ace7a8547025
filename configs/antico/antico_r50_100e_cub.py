# AntiCo + Proxy Anchor on CUB-200-2011, ResNet-50, d = 512: the official command
# (antico_runs.sh: --dataset cub200 --n_epochs 100 --tau 100 --gamma 0.5
# --arch resnet50_frozen_normalize_double --embed_dim 512 --loss antico --bs 90
# --samples_per_class 2 --loss_ac_w_align 0.0035 --antico_w 1 --antico_eps 0.5
# --antico_type batch_proxy) on the recipe of _base_/antico_r50.py.
_base_ = ['../_base_/datasets/cub.py', './_base_/antico_r50.py']

custom_imports = dict(imports=['cvshared.retrieval', 'antico'], allow_failed_imports=False)

# the official class-random sampler: 45 classes x 2 images per batch of 90
train_dataloader = dict(batch_size=90, sampler=dict(batch_size=90, m=2))

# The official test transform (AntiCo's datasets/basic_dataset_scaffold.py as Proxy
# Anchor's) resizes with PIL (torchvision Resize: antialiased bilinear); the
# shared base's ResizeEdge uses cv2 (no antialiasing), which moves the unit embedding of a
# 512 x 600 photo by 2.5e-3 against the official one; PIL resizing matches it to 1.2e-7
# (packages/proxyanchor/tests/test_golden.py, official ResNet-50 with seeded weights).
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
