# MSNet (TSM-R50 + MS module), 8 segments, Something-Something V2 (paper: 63.0 top-1): the
# shared SS-V2 base (the official main_something.py pipelines) and the MSNet recipe.
_base_ = ['../_base_/datasets/sthv2.py', './_base_/msnet_tsm-r50_40e.py']
custom_imports = dict(imports=['cvshared.video.stage_blocks', 'cvshared.datasets.something',
                               'motionsqueeze'], allow_failed_imports=False)
train_dataloader = dict(batch_size=6)  # x 8 GPUs = 48, the official batch
val_dataloader = dict(batch_size=6)
test_dataloader = val_dataloader  # the paper reports the validation set (1 clip, centre crop)
