# HCML (TSM-R50 + motion hierarchy + contrastive losses), 8 segments, UCF101 split 1, trained
# from the ImageNet 2D ResNet-50 (no Kinetics pre-training, no optical flow). Paper number: not
# found. Schedule (ours): SGD lr 0.01 for a batch of 64, 50 epochs, x0.1 at 20 and 40.
_base_ = ['../_base_/datasets/ucf101.py', './_base_/hcml_tsm-r50.py']
custom_imports = dict(imports=['cvshared.datasets.action', 'hcml'], allow_failed_imports=False)
model = dict(cls_head=dict(num_classes=101))
train_dataloader = dict(batch_size=8)  # x 8 GPUs = 64
