# IRN train_deeplab / test_deeplab on the synthetic VOC-layout set: DeepLab v2 on a tiny
# ResNet-18 (base width 8, BN trains, from scratch), 40 Adam iterations on the
# make_sem_seg_labels pseudo labels, crop 128, tested on the synthetic val list (mIoU).
_base_ = ['./irn-deeplabv2_r50_1xb10-20k_voc12aug-321x321.py']

data_root = '{{$DATA_ROOT:data/synthetic/irn}}'
crop_size = (128, 128)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(depth=18, base_channels=8, stem_channels=8,
                  norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False, init_cfg=None),
    decode_head=dict(in_channels=64))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadVOCSegAnnotation'),
    dict(type='RandomResize', scale=(128, 128), ratio_range=(0.75, 1.25), keep_ratio=True),
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
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=40, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=40, val_interval=40)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=40), logger=dict(interval=10))
