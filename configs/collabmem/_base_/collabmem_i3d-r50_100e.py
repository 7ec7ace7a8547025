# Collaborative memory on I3D-R50 (mmaction2's configs/_base_/models/i3d_r50.py and
# schedules/sgd_100e.py; a config inheriting this adds a dataset base and custom_imports
# of 'collabmem'), the memory after res4 (layer3, 1024 channels). The paper's stage,
# memory width, N and schedule could not be read: these are our choices (README, Differences).
_base_ = ['../../_base_/runtime/mmaction.py']
num_clips = 3          # N clips per video and training iteration (ours)
clip_len, frame_interval = 32, 2
model = dict(
    type='CollabMemRecognizer3D',
    loss_level='video',
    backbone=dict(
        type='ResNet3dWithBlocks',
        # ImageNet ResNet-50 from a path (torchvision's resnet50-0676ba61.pth), inflated by
        # mmaction2 (pretrained2d); nothing is downloaded
        pretrained2d=True,
        pretrained='checkpoints/resnet50-0676ba61.pth',
        depth=50,
        conv1_kernel=(5, 7, 7),
        conv1_stride_t=2,
        pool1_stride_t=2,
        conv_cfg=dict(type='Conv3d'),
        norm_eval=False,
        inflate=((1, 1, 1), (1, 0, 1, 0), (1, 0, 1, 0, 1, 0), (0, 1, 0)),
        zero_init_residual=False,
        blocks=[dict(stage='layer3', position='after',
                     block=dict(type='CollaborativeMemory', in_channels=1024,
                                mem_channels=256, gate_scale=2.0, zero_init_gate=True))]),
    cls_head=dict(
        type='I3DHead',
        num_classes=400,
        in_channels=2048,
        spatial_type='avg',
        dropout_ratio=0.5,
        init_std=0.01,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_begin=1, val_interval=5)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=100, by_epoch=True,
                        milestones=[40, 80], gamma=0.1)]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=40, norm_type=2))
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=5),
    visualization=dict(type='CollabmemVisualizationHook', draw=False, test_out_dir=None))
auto_scale_lr = dict(enable=False, base_batch_size=16)
