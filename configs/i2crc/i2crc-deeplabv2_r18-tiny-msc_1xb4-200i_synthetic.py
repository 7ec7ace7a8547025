# I2CRC train_deeplab / test_deeplab / refine_labels on the synthetic set: the MSC DeepLab-v2 on
# a tiny ResNet-18 (stem / base widths 16, BN trains, from scratch), Adam 3e-3, poly, 200
# iterations of 4 crops of 64 (the images are 64 x 64), on the make_labels pseudo labels; test
# on the synthetic val list (mmseg's IoUMetric).
_base_ = ['./i2crc-deeplabv2_r101-msc_1xb5x2-20k_voc12aug-321x321.py']

data_root = '{{$DATA_ROOT:data/synthetic/i2crc}}'
crop_size = (64, 64)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(depth=18, stem_channels=16, base_channels=16, init_cfg=None),
    decode_head=dict(in_channels=128))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadVOCSegAnnotation'),
    dict(type='RandomResize', scale=(64, 64), ratio_range=(0.75, 1.25), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root,
                                     ann_file='ImageSets/Segmentation/train.txt',
                                     pipeline=train_pipeline))
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=dict(type='Adam', lr=3e-3))
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=200, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=200, val_interval=200)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=200), logger=dict(interval=20))
