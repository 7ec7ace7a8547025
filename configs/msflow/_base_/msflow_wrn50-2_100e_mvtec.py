# MSFlow, paper setting on MVTec AD (one model per category; the per-category configs override
# `category` in the three dataloaders). Paper / official code: WRN-50-2 stages 1-3, 512x512
# LANCZOS input, parallel flows (2, 5, 8), clamp 1.9, Adam 1e-4, batch 8, 25 meta-epochs x 4
# sub-epochs = 100 epochs, warm-up from 0.1 x lr over 12 epochs, x0.33 at epochs 70 and 90,
# gradient-norm clip 2. One mmengine epoch = one official sub-epoch.
_base_ = ['./msflow_runtime.py']

dataset_type = 'MVTecADDataset'
data_root = '{{$DATA_ROOT:data/mvtec_ad}}'
category = 'bottle'
img_size = 512
metric_prefix = 'mvtec'

model = dict(
    type='MSFlow',
    backbone=dict(
        type='FrozenTimmExtractor',
        model_name='wide_resnet50_2',
        out_indices=(1, 2, 3),
        # torchvision ImageNet weights (the paper's), downloaded once by the user:
        # https://download.pytorch.org/models/wide_resnet50_2-95faca4d.pth
        checkpoint='checkpoints/wide_resnet50_2-95faca4d.pth'),
    cond_channels=64,
    parallel_blocks=(2, 5, 8),
    clamp_alpha=1.9,
    pool=dict(kernel_size=3, stride=2, padding=1),
    top_k_ratio=0.03,
    data_preprocessor=dict(
        type='ImgDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=False))  # images are loaded as RGB

pipeline = [
    dict(type='LoadAnomalyImageAndMask', img_size=img_size, interpolation='lanczos'),
    dict(type='PackAnomalyInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, category=category, split='train',
                 pipeline=pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, category=category, split='test',
                 pipeline=pipeline))
test_dataloader = val_dataloader

# Validation (on the test split: MVTec has no validation split) only monitors training, as the
# official code evaluates after every meta-epoch; we report the LAST epoch's test metrics.
val_evaluator = [
    dict(type='AnomalyImageAUROC', score_key='pred_score', prefix=metric_prefix),
    dict(type='AnomalyPixelAUROC', map_key='anomaly_map', prefix=metric_prefix),
]
test_evaluator = [
    dict(type='AnomalyImageAUROC', score_key='pred_score', prefix=metric_prefix),
    dict(type='AnomalyPixelAUROC', map_key='anomaly_map', prefix=metric_prefix),
    # PRO on the "mul" map, as in the official evaluation
    dict(type='AnomalyPRO', map_key='anomaly_map_mul', num_thresholds=800, fpr_limit=0.3,
         prefix=metric_prefix),
]

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-4),
    clip_grad=dict(max_norm=2))
param_scheduler = [
    # torch LinearLR(total_iters=12) == mmengine LinearLR(begin=0, end=13)
    dict(type='LinearLR', start_factor=0.1, end_factor=1.0, by_epoch=True, begin=0, end=13),
    dict(type='MultiStepLR', milestones=[70, 90], gamma=0.33, by_epoch=True, begin=0, end=100),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_interval=4)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
