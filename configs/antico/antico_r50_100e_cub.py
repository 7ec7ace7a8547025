# AntiCo + Proxy Anchor on CUB-200-2011, ResNet-50, d = 512: the official command
# (antico_runs.sh: --dataset cub200 --n_epochs 100 --tau 100 --gamma 0.5
# --arch resnet50_frozen_normalize_double --embed_dim 512 --loss antico --bs 90
# --samples_per_class 2 --loss_ac_w_align 0.0035 --antico_w 1 --antico_eps 0.5
# --antico_type batch_proxy) on the recipe of _base_/antico_r50.py.
_base_ = ['../_base_/datasets/cub.py', './_base_/antico_r50.py']

custom_imports = dict(imports=['cvshared.retrieval', 'antico'], allow_failed_imports=False)

# the official class-random sampler: 45 classes x 2 images per batch of 90
train_dataloader = dict(batch_size=90, sampler=dict(batch_size=90, m=2))
