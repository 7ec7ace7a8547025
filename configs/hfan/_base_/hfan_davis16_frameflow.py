# DAVIS-2016 frames + flow images (cvshared.datasets.davis), official HFAN augmentation.
data_root = '{{$DATA_ROOT:data/DAVIS}}'
crop_size = (512, 512)
meta_keys = ('img_path', 'flow_path', 'seg_map_path', 'seq_name', 'frame_index', 'ori_shape',
             'img_shape', 'pad_shape', 'scale_factor', 'flip', 'flip_direction',
             'reduce_zero_label')
train_pipeline = [
    dict(type='LoadFrameAndFlow'),
    dict(type='LoadBinaryMask'),
    dict(type='RandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PairPhotoMetricDistortion'),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadFrameAndFlow'),
    dict(type='Resize', scale=(2048, 512), keep_ratio=True),
    dict(type='ResizeToMultiple', size_divisor=32),
    dict(type='LoadBinaryMask'),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]
davis_val = dict(type='DAVIS2016FrameFlowDataset', data_root=data_root,
                 ann_file='ImageSets/2016/val.txt', pipeline=test_pipeline)
val_dataloader = dict(batch_size=1, num_workers=4, persistent_workers=True,
                      sampler=dict(type='DefaultSampler', shuffle=False), dataset=davis_val)
test_dataloader = val_dataloader
val_evaluator = dict(type='DAVISJFMetric', bound_th=0.008, ignore_first_last=True)
test_evaluator = val_evaluator
