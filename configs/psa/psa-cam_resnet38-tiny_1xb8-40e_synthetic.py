# PSA train_cam on the synthetic VOC-layout set (CPU, seconds): a tiny ResNet-38 from scratch
# (BN trains, no dropout), no pretrained weights. `tools/train.py` generates the set (64 images,
# 4 classes, 80 x 80; 40 epochs = 320 iterations).
_base_ = ['./psa-cam_resnet38_8xb2-15e_voc12aug-448x448.py']

data_root = '{{$DATA_ROOT:data/synthetic/psa}}'
crop_size = 80
model = dict(dropout=0.0,
             backbone=dict(widths=(8, 16, 16, 32, 32, 64), depths=(1, 1, 1, 1), frozen=(),
                           dropouts=(0.0, 0.0), norm_eval=False, init_cfg=None))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PsaJointRandomCrop', crop_size=crop_size, keys=('img',)),
    dict(type='PsaPackInputs'),
]
train_dataloader = dict(batch_size=8, num_workers=0,
                        dataset=dict(data_root=data_root, ann_file='ImageSets/Segmentation/train.txt',
                                     pipeline=train_pipeline))
optim_wrapper = dict(optimizer=dict(_delete_=True, type='Adam', lr=3e-3), paramwise_cfg=None)
max_epochs = 40
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=True, begin=0,
                        end=max_epochs, convert_to_iter_based=True)]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=40), logger=dict(interval=2))
test_dataloader = dict(num_workers=0, dataset=dict(data_root=data_root))
# make_cam: the 80 x 80 images upscaled x2 and x3 (+ flip). At the official scales (1, 0.5,
# 1.5, 2) the 10 x 10 CAM grid of an 80 x 80 image (and 5 x 5 at 0.5) smears every object over
# its neighbourhood (background CAM 0.44 at scale 1, 0.18 at 2 + 3; README, Results).
cam_scales = (2.0, 3.0)
