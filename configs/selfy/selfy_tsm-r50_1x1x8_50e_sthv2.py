# SELFYNet-TSM-R50 on Something-Something V2, 8 segments, 1 clip x centre crop at test: the
# paper's single-model SS-V2 row (65.7 top-1 in the card; the frame count of that row is not in
# the card: the official scripts train 8 segments, which this config uses). Model and schedule:
# _base_/selfy_tsm-r50_50e.py.
_base_ = ['../_base_/datasets/sthv2.py', './_base_/selfy_tsm-r50_50e.py']
custom_imports = dict(imports=['cvshared.video.stage_blocks', 'cvshared.datasets.something',
                               'selfy'], allow_failed_imports=False)
model = dict(cls_head=dict(num_classes=174))
train_dataloader = dict(batch_size=8)  # x 8 GPUs = the official batch 64
