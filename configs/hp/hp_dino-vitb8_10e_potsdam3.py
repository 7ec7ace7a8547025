# HP on Potsdam-3: DINO ViT-B/8, trained on labelled_train.txt at 224, 10 epochs, batch 64,
# evaluated on labelled_test.txt at 320 with the dense CRF (official json/server/potsdam.json:
# tau 0.4, rho 1.0, alpha 0 (no consistency term), ema_m 0.999, warmup 100, renew_interval 20,
# pool 1024, dim 256).
_base_ = ['../_base_/datasets/useg_potsdam3.py', './_base_/hp_dino-vits8.py']
custom_imports = dict(imports={{_base_.hp_imports}}, allow_failed_imports=False)
num_classes = 3
model = dict(
    num_classes=3,
    backbone=dict(type='DinoViT', arch='vit_base_patch8_224.dino'),
    pretrained='checkpoints/dino_vitbase8_pretrain.pth',
    dim=256, ema_m=0.999, tau=0.4, rho=1.0, alpha=0.0)
custom_hooks = [dict(type='HiddenPositivesHook', pool_size=1024, renew_interval=20, warmup=100)]
train_pipeline = [
    dict(type='LoadUSegImage'),
    dict(type='LoadUSegAnnotation'),
    dict(type='ResizeShortSide', scale=224, interpolation='nearest'),
    dict(type='CenterCrop', crop_size=224),
    {{_base_.hp_view}},
    dict(type='PackHPInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
train_cfg = dict(max_epochs=10)
