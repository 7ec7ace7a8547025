# PPAP, Potsdam-3 with DINO ViT-B/8: json/server/potsdam.json (3 classes).
_base_ = ['../_base_/datasets/useg_potsdam3.py', './_base_/ppap_dino.py']
custom_imports = dict(imports=['ppap'], allow_failed_imports=False)
# run.py validates with batch 8 (build_dataloader(..., batch_size=8))
val_dataloader = dict(batch_size=8)
test_dataloader = val_dataloader
model = dict(
    num_classes=3,
    backbone=dict(arch='vit_base_patch8_224.dino'),
    pretrained='checkpoints/dino_vitbase8_pretrain.pth',
    loss_cfg=dict(temperature=0.07, phi0=0.55, psi0=0.15, prop_iter=1, sigma_pos=5,
                  sigma_amb=3, anchor_split=16))
optim_wrapper = dict(net=dict(optimizer=dict(_delete_=True, type='Adam', lr=5e-4)))
train_cfg = dict(max_epochs=40)
