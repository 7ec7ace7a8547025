# Collaborative memory on the synthetic two-clip XOR set (collabmem.datasets.synthetic, SS-V1
# layout at data/synthetic/collabmem): a tiny 3D ResNet (depth 18, 8 base channels, 2 stages)
# with the memory after layer1, 2 clips of 4 frames per video; CPU, seconds.
# The clip-level base model on the same schedule: collabmem_r3d-tiny_1x4x1_10e_synthetic-base.py
_base_ = ['../_base_/datasets/sthv1.py', '../_base_/runtime/mmaction.py']
custom_imports = dict(imports=['cvshared.datasets.something', 'collabmem'],
                      allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/synthetic/collabmem}}'
num_clips, clip_len = 2, 4
model = dict(
    type='CollabMemRecognizer3D',
    loss_level='video',
    backbone=dict(
        type='ResNet3dWithBlocks', pretrained=None, pretrained2d=False, depth=18,
        base_channels=8, num_stages=2, out_indices=(1,), spatial_strides=(1, 2),
        temporal_strides=(1, 1), dilations=(1, 1), conv1_kernel=(1, 3, 3), conv1_stride_s=1,
        conv1_stride_t=1, pool1_stride_s=1, pool1_stride_t=1, with_pool1=False,
        inflate=(1, 1), conv_cfg=dict(type='Conv3d'), norm_eval=False,
        blocks=[dict(stage='layer1', position='after',
                     block=dict(type='CollaborativeMemory', in_channels=8, mem_channels=8))]),
    cls_head=dict(type='I3DHead', num_classes=2, in_channels=16, spatial_type='avg',
                  dropout_ratio=0.0, init_std=0.1, average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[127.5] * 3, std=[64.0] * 3,
                           format_shape='NCTHW'))
train_pipeline = [
    dict(type='CheckedSampleFrames', clip_len=clip_len, frame_interval=1, num_clips=num_clips),
    dict(type='RawFrameDecode'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')]
val_pipeline = [
    dict(type='CheckedSampleFrames', clip_len=clip_len, frame_interval=1, num_clips=2,
         test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')]
train_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root, pipeline=train_pipeline,
                                     min_frames=num_clips * clip_len))
val_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root, pipeline=val_pipeline,
                                   min_frames=num_clips * clip_len))
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric', metric_list=('top_k_accuracy',),
                     metric_options=dict(top_k_accuracy=dict(topk=(1,))))
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(type='Adam', lr=3e-3))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=10, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = []
default_hooks = dict(
    logger=dict(interval=4),
    checkpoint=dict(interval=10, save_best=None),
    visualization=dict(type='CollabmemVisualizationHook', draw=False, test_out_dir=None))
randomness = dict(seed=0)
