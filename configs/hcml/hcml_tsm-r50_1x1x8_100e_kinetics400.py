# HCML (TSM-R50 + motion hierarchy + contrastive losses), 8 segments, Kinetics-400 (the shared
# base: mmaction2 video lists, KineticsVideoDataset). Paper number: not found. TSM's Kinetics
# recipe (ours): SGD lr 0.02 for 128 clips, weight decay 1e-4, 100 epochs, x0.1 at 40 and 80.
_base_ = ['../_base_/datasets/kinetics400.py', '../_base_/datasets/tsn_video_pipelines.py',
           './_base_/hcml_tsm-r50.py']
custom_imports = dict(imports=['cvshared.datasets.action', 'hcml'], allow_failed_imports=False)
num_segments = 8
model = dict(cls_head=dict(num_classes=400))
# batch 16 x 8 GPUs = 128
train_dataloader = dict(batch_size=16, dataset=dict(pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(batch_size=8, dataset=dict(pipeline={{_base_.val_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric', metric_list=('top_k_accuracy',),
                     metric_options=dict(top_k_accuracy=dict(topk=(1, 5))))
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=100)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=100, by_epoch=True,
                        milestones=[40, 80], gamma=0.1)]
optim_wrapper = dict(optimizer=dict(lr=0.02, weight_decay=1e-4))
auto_scale_lr = dict(base_batch_size=128)
