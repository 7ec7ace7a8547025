# IRN stage train_cam: the ResNet-50 CAM net on VOC 2012 train_aug (official run_sample.py /
# step/train_cam.py: batch 16, crop 512 after a random long-side resize 320-640 and a flip,
# 5 epochs, lr 0.1 backbone / 1.0 classifier, wd 1e-4, poly 0.9 per iteration), from torchvision's
# ImageNet ResNet-50 (its parameter names are IrnResNet's).
_base_ = ['../_base_/runtime/mmseg.py']

custom_imports = dict(imports=['irn'], allow_failed_imports=False)
default_scope = 'mmseg'
data_root = '{{$DATA_ROOT:data/VOCdevkit/VOC2012}}'
crop_size = 512
preprocessor = dict(type='ImgDataPreprocessor', mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375], bgr_to_rgb=True)

model = dict(
    type='IrnCAMNet',
    num_classes=20,
    data_preprocessor=preprocessor,
    backbone=dict(
        type='IrnResNet', depth=50, strides=(1, 2, 2, 1), norm_eval=True, frozen_stages=0,
        detach=(2,),
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/resnet50-19c8e357.pth')))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='IrnRandomResizeLong', min_long=320, max_long=640),
    dict(type='IrnRandomFlip', prob=0.5),
    dict(type='IrnRandomCrop', crop_size=crop_size),
    dict(type='IrnPackInputs'),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='VOCWSSSDataset', data_root=data_root,
                 ann_file='ImageSets/Segmentation/train_aug.txt',
                 data_prefix=dict(seg_map_path=''), pipeline=train_pipeline))

# "weight decay passed as momentum" (irn.optim, README Differences): the official
# PolyOptimizer calls SGD(params, lr, weight_decay), so momentum = 1e-4. False: momentum 0.9.
official_momentum = True
weight_decay = 1e-4
# = irn.optim.optim_wrapper('cam', lr=0.1, weight_decay=1e-4, official_momentum=...)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.1, momentum=weight_decay if official_momentum else 0.9,
                   weight_decay=weight_decay),
    paramwise_cfg=dict(custom_keys={'classifier': dict(lr_mult=10.0)}))
max_epochs = 5
# = irn.optim.poly_scheduler(max_epochs): poly 0.9 stepped per iteration
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=True, begin=0,
                        end=max_epochs, convert_to_iter_based=True)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
val_cfg = None
val_dataloader = None
val_evaluator = None

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=max_epochs),
    visualization=dict(type='IrnVisualizationHook', draw=False, test_out_dir=None))
log_processor = dict(by_epoch=True)

# test: single-scale CAM-only labels on VOC 2012 train (bg 0.15, step/eval_cam.py; the
# pipeline's CAMs are multi-scale + flip: irn.pipeline.make_cam)
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadVOCSegAnnotation'),
    dict(type='IrnPackInputs'),
]
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='VOCWSSSDataset', data_root=data_root,
                 ann_file='ImageSets/Segmentation/train.txt',
                 data_prefix=dict(seg_map_path='SegmentationClass'), pipeline=test_pipeline))
test_evaluator = dict(type='PseudoLabelIoUMetric', num_classes=21)
test_cfg = dict(type='TestLoop')
