# GTA-TSM-R50 on Kinetics-400 (mmaction2's video-list layout), 8 segments: mmaction2's TSM-R50
# K400 pipelines (short side 256, multi-scale crop 224, flip; test centre crop, 1 clip).
_base_ = ['../_base_/datasets/kinetics400.py', '../_base_/datasets/tsn_video_pipelines.py',
           './_base_/gta_tsm-r50.py']
custom_imports = dict(imports=['cvshared.video.stage_blocks', 'cvshared.datasets.action',
                               'gta'], allow_failed_imports=False)
model = dict(cls_head=dict(num_classes=400))
train_dataloader = dict(batch_size=16, dataset=dict(pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(batch_size=16, dataset=dict(pipeline={{_base_.val_pipeline}}))
test_dataloader = dict(dataset=dict(pipeline={{_base_.val_pipeline}}))
