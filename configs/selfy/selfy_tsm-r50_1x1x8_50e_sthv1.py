# SELFYNet-TSM-R50 on Something-Something V1, 8 segments: the 8-frame member of the paper's
# SS-V1 ensemble. The paper's 55.8 top-1 (1 clip) is an ENSEMBLE of two models: this one and
# selfy_tsm-r50_1x1x16_50e_sthv1.py, their softmax scores averaged (tools/test.py gives each
# member's own number; averaging the two dumped score files gives the ensemble).
_base_ = ['../_base_/datasets/sthv1.py', './_base_/selfy_tsm-r50_50e.py']
custom_imports = dict(imports=['cvshared.video.stage_blocks', 'cvshared.datasets.something',
                               'selfy'], allow_failed_imports=False)
model = dict(cls_head=dict(num_classes=174))
train_dataloader = dict(batch_size=8)  # x 8 GPUs = the official batch 64
