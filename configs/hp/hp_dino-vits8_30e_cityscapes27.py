# HP on Cityscapes-27: DINO ViT-S/8, five-crop 224 training crops, 30 epochs, batch 64, evaluated
# at 320 with the dense CRF (official json/server/cityscapes.json: tau 0.6, rho 0.02, alpha 0.05,
# ema_m 0.999, warmup 50, renew_interval 20, pool 2048, dim 512).
_base_ = ['../_base_/datasets/useg_cityscapes27.py', './_base_/hp_dino-vits8.py']
custom_imports = dict(imports={{_base_.hp_imports}}, allow_failed_imports=False)
model = dict(ema_m=0.999, tau=0.6, rho=0.02, alpha=0.05)
custom_hooks = [dict(type='HiddenPositivesHook', pool_size=2048, renew_interval=20, warmup=50)]
train_pipeline = [
    dict(type='LoadUSegImage'),
    dict(type='LoadUSegAnnotation'),
    dict(type='ResizeShortSide', scale=224, interpolation='nearest'),
    dict(type='CenterCrop', crop_size=224),
    {{_base_.hp_view}},
    dict(type='PackHPInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
train_cfg = dict(max_epochs=30)
