# PPAP, Cityscapes-27 with DINO ViT-B/8: json/server/cityscapes_base.json.
_base_ = ['../_base_/datasets/useg_cityscapes27.py', './_base_/ppap_dino.py']
custom_imports = dict(imports=['ppap'], allow_failed_imports=False)
# run.py validates with batch 8 (build_dataloader(..., batch_size=8))
val_dataloader = dict(batch_size=8)
test_dataloader = val_dataloader
model = dict(
    backbone=dict(arch='vit_base_patch8_224.dino'),
    pretrained='checkpoints/dino_vitbase8_pretrain.pth',
    loss_cfg=dict(temperature=0.1, phi0=0.6, psi0=0.2, prop_iter=3, sigma_pos=3, sigma_amb=2,
                  anchor_split=16))
optim_wrapper = dict(net=dict(optimizer=dict(_delete_=True, type='Adam', lr=1e-3)))
train_cfg = dict(max_epochs=30)
