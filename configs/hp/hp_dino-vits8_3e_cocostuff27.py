# HP on COCO-Stuff-27 (curated): DINO ViT-S/8, five-crop 224 training crops, 3 epochs, batch 64,
# evaluated at 320 with the dense CRF (official json/server/cocostuff.json: tau 0.8, rho 0.02,
# alpha 0.05, ema_m 0.99, warmup 1000, renew_interval 100, pool 2048, dim 512).
_base_ = ['../_base_/datasets/useg_cocostuff27.py', './_base_/hp_dino-vits8.py']
custom_imports = dict(imports={{_base_.hp_imports}}, allow_failed_imports=False)
train_pipeline = [
    dict(type='LoadUSegImage'),
    dict(type='LoadUSegAnnotation'),
    dict(type='ResizeShortSide', scale=224, interpolation='nearest'),
    dict(type='CenterCrop', crop_size=224),
    {{_base_.hp_view}},
    dict(type='PackHPInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
