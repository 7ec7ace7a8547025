# Log-ratio + dense mining on the synthetic stick-figure set (CPU, minutes): an 8-wide
# ResNet-18 from scratch on 40 x 40 images (32 crops), 240 training anchors, minibatches of 32,
# 40 queries against 110 gallery images. `make reproduce PAPER=logratio` generates the set at
# data/synthetic/logratio (logratio.datasets.make_synthetic).
_base_ = ['./logratio_resnet34_30e_mpii-pose.py']

data_root = '{{$DATA_ROOT:data/synthetic/logratio}}'
size_input, size_crop = 40, 32
num_query = 40

model = dict(backbone=dict(depth=18, stem_channels=8, base_channels=8, init_cfg=None),
             in_channels=64, embed_dim=32)

train_pipeline = [
    dict(type='LoadImageFromFile', imdecode_backend='pillow'),   # PIL decoding, as the official
    dict(type='PoseTranslation', size_input=size_input, size_crop=size_crop, jitter=True),
    dict(type='PosePackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', imdecode_backend='pillow'),   # PIL decoding, as the official
    dict(type='PoseTranslation', size_input=size_input, size_crop=size_crop, jitter=False),
    dict(type='PosePackInputs'),
]
train_dataloader = dict(
    batch_size=2, num_workers=0,
    dataset=dict(batch_size=32, dataset=dict(data_root=data_root, pipeline=train_pipeline)))
val_dataloader = dict(batch_size=50, num_workers=0,
                      dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
# distances in pixels of the 40-pixel image (the official 224/288 rescales the real set's)
val_evaluator = dict(data_root=data_root, num_query=num_query, dist_scale=1.0)
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=8, val_interval=8)
default_hooks = dict(checkpoint=dict(interval=8), logger=dict(interval=40),
                     visualization=dict(data_root=data_root, num_query=num_query))
randomness = dict(seed=0)
