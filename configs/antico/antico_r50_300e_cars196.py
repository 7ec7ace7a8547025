# AntiCo + Proxy Anchor on Cars-196, ResNet-50, d = 512: the official command differs from CUB's
# in --n_epochs 300 (tau 100, gamma 0.5).
_base_ = ['../_base_/datasets/cars196.py', './_base_/antico_r50.py']

custom_imports = dict(imports=['cvshared.retrieval', 'antico'], allow_failed_imports=False)

model = dict(head=dict(num_classes=98))
train_dataloader = dict(batch_size=90, sampler=dict(batch_size=90, m=2))
param_scheduler = dict(milestones=[100])
train_cfg = dict(max_epochs=300, val_interval=5)
