# HCML (TSM-R50 + motion hierarchy + contrastive losses), 8 segments, HMDB51 split 1 (the shared
# HMDB51 base: official 70/30 split files), trained from the ImageNet 2D ResNet-50 (no Kinetics
# pre-training, no optical flow). Paper number: not found. Schedule as UCF101 (ours).
_base_ = ['../_base_/datasets/hmdb51.py', './_base_/hcml_tsm-r50.py']
custom_imports = dict(imports=['cvshared.datasets.action', 'hcml'], allow_failed_imports=False)
model = dict(cls_head=dict(num_classes=51))
train_dataloader = dict(batch_size=8)  # x 8 GPUs = 64
