# PPAP, COCO-Stuff-27 with DINO ViT-S/8: json/server/cocostuff8.json.
_base_ = ['../_base_/datasets/useg_cocostuff27.py', './_base_/ppap_dino.py']
custom_imports = dict(imports=['ppap'], allow_failed_imports=False)
# run.py validates with batch 8 (build_dataloader(..., batch_size=8))
val_dataloader = dict(batch_size=8)
test_dataloader = val_dataloader
model = dict(
    backbone=dict(arch='vit_small_patch8_224.dino'),
    pretrained='checkpoints/dino_deitsmall8_300ep_pretrain.pth',
    loss_cfg=dict(temperature=0.8, phi0=0.55, psi0=0.2, prop_iter=2, sigma_pos=3, sigma_amb=3,
                  anchor_split=16))
optim_wrapper = dict(net=dict(optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.1)),
                     cluster=dict(optimizer=dict(lr=5e-3)))
