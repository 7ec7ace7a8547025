# The synthetic retrieval set in the CUB layout (cvshared.datasets.retrieval_synthetic.
# write_synthetic_cub: classes = shape x colour combinations, the last half held out at test,
# 64 x 64 JPEGs; 12 classes by default: 6 train, 6 test). CPU-sized: 56-pixel crops, batch 12
# (6 classes x 2), workers 0.
_base_ = ['./cub.py']
data_root = '{{$DATA_ROOT:data/synthetic/cub}}'
batch_size = 12
img_size = 56
metric_prefix = 'synthetic'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=img_size, crop_ratio_range=(0.6, 1.0)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=64, edge='short'),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=batch_size, num_workers=0, persistent_workers=False,
    sampler=dict(batch_size=batch_size),
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(topk=(1, 2, 4), prefix=metric_prefix)
test_evaluator = dict(topk=(1, 2, 4), nmi=True, prefix=metric_prefix)
