# PSA stage train_cam: the ResNet-38 CAM net on VOC 2012 train_aug (official train_cls.py:
# batch 16 (8 x 2 here), crop 448, 15 epochs, lr 0.1 (x10 fc8), wd 5e-4, poly 0.9).
_base_ = ['../_base_/runtime/mmseg.py']

custom_imports = dict(imports=['psa'], allow_failed_imports=False)
default_scope = 'mmseg'
data_root = '{{$DATA_ROOT:data/VOCdevkit/VOC2012}}'
crop_size = 448
preprocessor = dict(type='ImgDataPreprocessor', mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375], bgr_to_rgb=True)

model = dict(
    type='PsaCAMNet',
    num_classes=20,
    data_preprocessor=preprocessor,
    backbone=dict(
        type='ResNet38',
        # the official ImageNet weights, converted (README, Commands)
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/resnet38d_imagenet.pth',
                      prefix='backbone.')))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResize', scale=(crop_size, crop_size), ratio_range=(1.0, 768 / 448),
         keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PsaJointRandomCrop', crop_size=crop_size, keys=('img',)),
    dict(type='PsaPackInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='VOCWSSSDataset', data_root=data_root,
                 ann_file='ImageSets/Segmentation/train_aug.txt',
                 data_prefix=dict(seg_map_path=''), pipeline=train_pipeline))

# "weight decay passed as momentum": the official PolyOptimizer calls SGD(params, lr, wd), so
# momentum = 5e-4 (README, Differences). momentum=0.9 is the paper's intent.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.1, momentum=5e-4, weight_decay=5e-4),
    paramwise_cfg=dict(bias_lr_mult=2.0, bias_decay_mult=0.0,
                       custom_keys={'fc8': dict(lr_mult=10.0)}))
max_epochs = 15
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=True, begin=0,
                        end=max_epochs, convert_to_iter_based=True)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
val_cfg = None
val_dataloader = None
val_evaluator = None

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=5),
    visualization=dict(type='PsaVisualizationHook', draw=False, test_out_dir=None))
log_processor = dict(by_epoch=True)

# test: CAM-only pseudo labels on VOC 2012 train (bg score 0.2; single scale, the official
# make_cam is multi-scale + flip: psa.pipeline.make_cam)
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadVOCSegAnnotation'),
    dict(type='PsaPackInputs'),
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
# the make_cam stage: multi-scale + flip CAMs at these scales (official infer_cls.py)
cam_scales = (1.0, 0.5, 1.5, 2.0)
test_cfg = dict(type='TestLoop')
