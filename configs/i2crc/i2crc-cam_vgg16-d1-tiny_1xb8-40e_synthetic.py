# I2CRC train_cam on the synthetic VOC-layout set (i2crc.datasets.make_synthetic: 3 classes,
# 64 x 64, 48 training images + 8 background-only ones, saliency_aug/ from the masks; CPU,
# about a minute): a tiny D1 net from scratch (widths 16-64, one conv per block, one extra
# conv of 64), input 64 x 64, Adam 3e-3 constant, batch 8, 40 epochs = 280 steps. Everything
# else (losses and their weights, label rules) is the paper's.
_base_ = ['./i2crc-cam_vgg16-d1_1xb5-30e_voc12aug-256x256.py']

data_root = '{{$DATA_ROOT:data/synthetic/i2crc}}'
input_size = 64
model = dict(backbone=dict(widths=(16, 32, 32, 64, 64), depths=(1, 1, 1, 1, 1), init_cfg=None),
             extra_channels=64, num_extra=1)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='I2crcLoadSaliency', size=(input_size, input_size)),
    dict(type='I2crcPackInputs'),
]
train_dataloader = dict(batch_size=8, num_workers=0,
                        dataset=dict(data_root=data_root,
                                     ann_file='ImageSets/Segmentation/train_cam.txt',
                                     pipeline=train_pipeline))
optim_wrapper = dict(optimizer=dict(_delete_=True, type='Adam', lr=3e-3), paramwise_cfg=None)
max_epochs = 40
param_scheduler = []
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs), logger=dict(interval=5))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='LoadVOCSegAnnotation'),
    dict(type='I2crcLoadSaliency', size=None),
    dict(type='I2crcPackInputs'),
]
test_dataloader = dict(num_workers=0, dataset=dict(data_root=data_root, pipeline=test_pipeline))
label_list = 'ImageSets/Segmentation/train.txt'
cam_input_size = input_size
