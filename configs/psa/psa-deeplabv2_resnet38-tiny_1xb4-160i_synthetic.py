# PSA train_deeplab / test_deeplab on the synthetic VOC-layout set: DeepLab v2 on the tiny
# ResNet-38 of the other synthetic configs (BN trains, no dropout, from scratch), 160 Adam
# iterations (on the earlier 80 px set 40 gave 22.4 mIoU, 160 27.5) on the random_walk stage's
# pseudo labels, crop 112 (the images are 112 x 112), tested on the synthetic val list (8 images;
# mIoU, mmseg's IoUMetric).
_base_ = ['./psa-deeplabv2_resnet38_1xb10-20k_voc12aug-321x321.py']

data_root = '{{$DATA_ROOT:data/synthetic/psa}}'
crop_size = (112, 112)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(widths=(8, 16, 16, 32, 32, 64), depths=(1, 1, 1, 1), frozen=(),
                  dropouts=(0.0, 0.0), norm_eval=False, init_cfg=None),
    decode_head=dict(in_channels=64))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadVOCSegAnnotation'),
    dict(type='RandomResize', scale=(112, 112), ratio_range=(0.75, 1.25), keep_ratio=True),
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
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=160, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=160, val_interval=160)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=160), logger=dict(interval=20))
