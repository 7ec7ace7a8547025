# AD-CAM train_deeplab / test_deeplab on the synthetic VOC-layout set: DeepLab v2 on a tiny
# dilated ResNet-18 (base width 16, BN trains, from scratch), 160 Adam iterations on the
# make_pseudo_labels stage's AD-CAM labels of the synthetic train list, crop 128 (the images
# are 128 x 128), tested on the synthetic val list (8 images; mIoU, mmseg's IoUMetric).
_base_ = ['./adcam-deeplabv2_r50_1xb10-20k_voc12aug-321x321.py']

data_root = '{{$DATA_ROOT:data/synthetic/adcam}}'
crop_size = (128, 128)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(depth=18, base_channels=16, stem_channels=16,
                  norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False,
                  init_cfg=None),
    decode_head=dict(in_channels=128))
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
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=160, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=160, val_interval=160)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=160), logger=dict(interval=20))
