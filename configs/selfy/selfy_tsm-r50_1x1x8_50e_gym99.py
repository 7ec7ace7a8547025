# SELFYNet-TSM-R50 on FineGym Gym99 (element-level clips), 8 segments, 1 clip: the paper's
# Gym99 column (87.7 mean per-class accuracy = acc/mean1 in the card). Schedule: the official SS
# recipe (_base_/selfy_tsm-r50_50e.py); the paper's own FineGym schedule and frame count are not
# in the card (README, Not done).
_base_ = ['../_base_/datasets/gym99.py', './_base_/selfy_tsm-r50_50e.py']
custom_imports = dict(imports=['cvshared.video.stage_blocks', 'cvshared.datasets.action',
                               'selfy'], allow_failed_imports=False)
model = dict(cls_head=dict(num_classes=99))
train_dataloader = dict(batch_size=8)  # x 8 GPUs = 64
