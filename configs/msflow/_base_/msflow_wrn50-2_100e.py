# MSFlow, paper setting (model, optimisation, schedule), without the data set. Paper / official
# code: WRN-50-2 stages 1-3 (reflection padding, as the official extractor), 512x512 LANCZOS
# input, parallel flows (2, 5, 8), clamp 1.9, Adam 1e-4, batch 8, 25 meta-epochs x 4 sub-epochs
# = 100 epochs, warm-up from 0.1 x lr over 12 epochs, x0.33 at epochs 70 and 90, gradient-norm
# clip 2. One mmengine epoch = one official sub-epoch.
_base_ = ['../../_base_/runtime/mmengine.py']

default_scope = 'msflow'
custom_imports = dict(imports=['msflow'], allow_failed_imports=False)

model = dict(
    type='MSFlow',
    backbone=dict(
        type='FrozenTimmExtractor',
        model_name='wide_resnet50_2',
        out_indices=(1, 2, 3),
        padding_mode='reflect',  # the official ResNet's PADDING_MODE; timm's own is 'zeros'
        # torchvision ImageNet weights (the paper's), downloaded once by the user:
        # https://download.pytorch.org/models/wide_resnet50_2-95faca4d.pth
        checkpoint='checkpoints/wide_resnet50_2-95faca4d.pth'),
    cond_channels=64,
    parallel_blocks=(2, 5, 8),
    clamp_alpha=1.9,
    pool=dict(kernel_size=3, stride=2, padding=1),
    top_k_ratio=0.03,
    fast_path=True,  # index permutations + channels_last, same numbers (tests/test_fast_path.py)
    data_preprocessor=dict(
        type='ImgDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=False))  # images are loaded as RGB

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-4),
    clip_grad=dict(max_norm=2))
param_scheduler = [
    # torch LinearLR(total_iters=12) == mmengine LinearLR(begin=0, end=13)
    dict(type='LinearLR', start_factor=0.1, end_factor=1.0, by_epoch=True, begin=0, end=13),
    dict(type='MultiStepLR', milestones=[70, 90], gamma=0.33, by_epoch=True, begin=0, end=100),
]
# Validation (on the test split: MVTec has no validation split) only monitors training, as the
# official code evaluates after every meta-epoch; we report the LAST epoch's test metrics.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_interval=4)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    # keep the last checkpoint only: the model is the last epoch's, never picked on the test set
    checkpoint=dict(type='CheckpointHook', interval=4, max_keep_ckpts=1, save_last=True),
    # tools/test.py --show-dir X sets draw=True, test_out_dir=X; maps are coloured on the
    # range of the whole test set (drawn at the end of the test)
    visualization=dict(type='AnomalyMapVisualizationHook', draw=False, test_out_dir=None,
                       map_key='anomaly_map'))
randomness = dict(seed=9826)  # the official seed
