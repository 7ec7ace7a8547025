# GTA-TSM-R50 on Something-Something V1, 8 segments, 1 clip x centre crop at test (the
# dataset base's TSM recipe). Model and schedule: _base_/gta_tsm-r50.py.
_base_ = ['../_base_/datasets/sthv1.py', './_base_/gta_tsm-r50.py']
custom_imports = dict(imports=['cvshared.video.stage_blocks', 'cvshared.datasets.something',
                               'gta'], allow_failed_imports=False)
model = dict(cls_head=dict(num_classes=174))
train_dataloader = dict(batch_size=16)  # x 8 GPUs = mmaction2's TSM batch 128
