# I2CRC stage train_cam: the dilated VGG-16 (D1) CAM classifier with the saliency-guided relation
# losses on VOC 2012 train_aug (official classification/train.sh + scripts/train.py): images
# resized to 256 x 256 (square), colour jitter 0.3/0.3/0.3/0.1, no crop / flip, batch 5,
# 30 epochs, SGD nesterov momentum 0.9, wd 5e-4, lr 1e-3 (x2 biases, x10 / x20 extra-conv
# weights / biases), lr x0.1 after epochs 5 and 10; L = MLSM + 0.01 L_fg + 0.025 L_bg +
# 0.1 L_dist. Saliency: <DATA_ROOT>/saliency_aug/<name>.png (the released maps).
_base_ = ['../_base_/runtime/mmseg.py']

custom_imports = dict(imports=['i2crc', 'cvshared.datasets.voc'],
                      allow_failed_imports=False)
default_scope = 'mmseg'
data_root = '{{$DATA_ROOT:data/VOCdevkit/VOC2012}}'
input_size = 256
preprocessor = dict(type='ImgDataPreprocessor', mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375], bgr_to_rgb=True)

model = dict(
    type='I2crcCAMNet',
    num_classes=20,
    data_preprocessor=preprocessor,
    loss_weights=dict(fg=0.01, bg=0.025, dist=0.1),
    backbone=dict(
        type='I2crcVGG16D1',
        # torchvision's ImageNet VGG-16 (vgg16-397923af.pth), keys as they are (README)
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/vgg16-397923af.pth')))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='I2crcColorJitter', brightness=0.3, contrast=0.3, saturation=0.3, hue=0.1),
    dict(type='I2crcLoadSaliency', size=(input_size, input_size)),
    dict(type='I2crcPackInputs'),
]
train_dataloader = dict(
    batch_size=5,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='I2crcSaliencyDataset', data_root=data_root,
                 ann_file='ImageSets/Segmentation/train_aug.txt', saliency_dir='saliency_aug',
                 data_prefix=dict(seg_map_path=''), pipeline=train_pipeline))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, nesterov=True, weight_decay=5e-4),
    # = i2crc.models.PARAMWISE_CFG (the official four groups; longest key matches first)
    paramwise_cfg=dict(custom_keys={
        'extra_convs.0.bias': dict(lr_mult=20.0), 'extra_convs.2.bias': dict(lr_mult=20.0),
        'extra_convs.4.bias': dict(lr_mult=20.0), 'extra_convs.6.bias': dict(lr_mult=20.0),
        'extra_convs': dict(lr_mult=10.0), 'bias': dict(lr_mult=2.0)}))
max_epochs = 30
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[5, 10], gamma=0.1)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
val_cfg = None
val_dataloader = None
val_evaluator = None

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=100),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=10),
    visualization=dict(type='I2crcVisualizationHook', draw=False, test_out_dir=None))
log_processor = dict(by_epoch=True)

# test: plain single-scale CAM labels (background threshold 0.5) on VOC 2012 train, scored
# with PseudoLabelIoUMetric; the I2CRC pseudo labels are the make_labels stage's
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='LoadVOCSegAnnotation'),
    dict(type='I2crcLoadSaliency', size=None),
    dict(type='I2crcPackInputs'),
]
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='I2crcSaliencyDataset', data_root=data_root,
                 ann_file='ImageSets/Segmentation/train.txt',
                 data_prefix=dict(seg_map_path='SegmentationClass'), pipeline=test_pipeline))
test_evaluator = dict(type='PseudoLabelIoUMetric', num_classes=21)
test_cfg = dict(type='TestLoop')
# make_labels stage: the images it labels (train_aug: what the DeepLab trains on) and the
# CAM input size (official test.py: 256, single scale)
label_list = 'ImageSets/Segmentation/train_aug.txt'
cam_input_size = input_size
