# Proxy Anchor on Cars-196, ResNet-50, d = 512: the official ResNet-50 command differs from
# CUB's only in --lr-decay-step 10 (warm 5, batch 120, lr 1e-4, bn-freeze 1).
_base_ = ['../_base_/datasets/cars196.py', './_base_/proxyanchor_r50.py']

custom_imports = dict(imports=['cvshared.retrieval', 'proxyanchor'], allow_failed_imports=False)

model = dict(head=dict(num_classes=98))
train_dataloader = dict(batch_size=120,
                        sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True))
param_scheduler = dict(step_size=10)
