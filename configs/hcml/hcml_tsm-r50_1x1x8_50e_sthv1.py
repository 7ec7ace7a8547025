# HCML (TSM-R50 + motion hierarchy + contrastive losses), 8 segments, Something-Something V1
# (the shared SS-V1 base: released JPEG frame folders + csv lists, SthV1Dataset; 320 x 240,
# multi-scale crop 224, selective flip). Paper number: not found. TSM's SS recipe (ours):
# SGD lr 0.01 for 64 clips, 50 epochs, x0.1 at 20 and 40, weight decay 5e-4.
_base_ = ['../_base_/datasets/sthv1.py', './_base_/hcml_tsm-r50.py']
custom_imports = dict(imports=['cvshared.datasets.something', 'hcml'],
                      allow_failed_imports=False)
model = dict(cls_head=dict(num_classes=174))
train_dataloader = dict(batch_size=8)  # x 8 GPUs = 64
