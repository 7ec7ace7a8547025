# HP on the synthetic COCO-Stuff-27 tree (hp.synthetic: grey-level textured regions of 4
# classes; SPEC.make_synthetic writes it at data/synthetic/hp), for the CPU in about ten
# seconds: a tiny random DINO-style ViT (patch 8, 48 channels, 2 blocks, 3 heads; no weights
# file), 64 x 64 images, batch 8, 20 epochs, net / projection lr 5e-3, code dim 32, pools of
# 64, warm-up 10 iterations, renewal every 5, no CRF. The losses, head, EMA,
# photometric view, optimisers and hook are the paper's; the numbers only show that the
# pipeline learns, they are not comparable with the paper.
_base_ = ['../_base_/datasets/useg_synthetic.py', './_base_/hp_dino-vits8.py']
custom_imports = dict(imports={{_base_.hp_imports}}, allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/synthetic/hp}}'
model = dict(
    backbone=dict(type='DinoViT', arch='vit_small_patch8_224.dino', img_size=64, embed_dim=48,
                  depth=2, num_heads=3),
    pretrained=None,
    dim=32,
    crf=False)
custom_hooks = [dict(type='HiddenPositivesHook', pool_size=64, renew_interval=5, warmup=10)]
train_pipeline = [
    dict(type='LoadUSegImage'),
    dict(type='LoadUSegAnnotation'),
    dict(type='ResizeShortSide', scale=64, interpolation='nearest'),
    dict(type='CenterCrop', crop_size=64),
    {{_base_.hp_view}},
    dict(type='PackHPInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
optim_wrapper = dict(net=dict(optimizer=dict(lr=5e-3)), proj=dict(optimizer=dict(lr=5e-3)))
train_cfg = dict(max_epochs=20, val_interval=20)
default_hooks = dict(logger=dict(interval=20),
                     checkpoint=dict(interval=20, save_best=None))
