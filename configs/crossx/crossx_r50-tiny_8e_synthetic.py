# Cross-X on its synthetic set (CPU, seconds): classes differ only in two 5 x 5 parts
# (crossx.datasets.synthetic, CUB-200-2011 layout). A thin random-init ResNet (ResNet-50's
# bottlenecks, (1, 1, 2, 2) blocks, width / 8), 64 x 64 inputs.
# `make reproduce PAPER=crossx` generates the set at data/synthetic/crossx.
_base_ = ['./crossx_r50_30e_cub.py']

data_root = '{{$DATA_ROOT:data/synthetic/crossx}}'
num_classes = 4
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    backbone=dict(stage_blocks=(1, 1, 2, 2), stem_channels=16, base_channels=8,
                  osme_reductions=(16, 16), init_cfg=None),
    # the classifiers start as the baseline's LinearClsHead does (N(0, 0.01)), not with
    # PyTorch's default (the official): large initial logits of three summed branches made
    # the random-init runs diverge
    head=dict(num_classes=num_classes, in_channels=(128, 256), plty_pool='avg',
              init_cfg=[dict(type='Kaiming', layer='Conv2d', mode='fan_out'),
                        dict(type='Normal', layer='Linear', std=0.01)]))
train_pipeline = [dict(type='LoadImageFromFile'),
                  dict(type='RandomFlip', prob=0.0, direction='horizontal'),
                  dict(type='PackInputs')]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
train_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(batch_size=32, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=0.01))
param_scheduler = dict(milestones=[6])
train_cfg = dict(max_epochs=8, val_interval=8)
default_hooks = dict(checkpoint=dict(interval=8), logger=dict(interval=5))
