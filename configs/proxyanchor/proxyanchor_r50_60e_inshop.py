# Proxy Anchor on In-Shop Clothes Retrieval, ResNet-50, d = 512. The official In-Shop command
# equals SOP's (BN-Inception: batch 180, lr 6e-4, warm 1, bn-freeze 0, step 20, gamma 0.25);
# test = query images against the gallery images.
_base_ = ['../_base_/datasets/inshop.py', './_base_/proxyanchor_r50.py']

custom_imports = dict(imports=['cvshared.retrieval', 'proxyanchor'], allow_failed_imports=False)

model = dict(
    image_encoder=[
        dict(type='ResNet', depth=50, out_indices=(3, ), norm_eval=False,
             norm_cfg=dict(type='BN', requires_grad=True), frozen_stages=-1,
             init_cfg=dict(type='Pretrained', checkpoint='checkpoints/resnet50_mmpretrain.pth')),
        dict(type='EmbeddingNeck', in_channels=2048, out_channels=512, pooling='avg+max'),
    ],
    head=dict(num_classes=3997))
train_dataloader = dict(batch_size=180,
                        sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True))
optim_wrapper = dict(optimizer=dict(lr=6e-4))
param_scheduler = dict(step_size=20, gamma=0.25)
custom_hooks = [dict(type='BackboneWarmupHook', warm_epochs=1,
                     trainable=('image_encoder.1.', 'head.'))]
train_cfg = dict(val_interval=5)
