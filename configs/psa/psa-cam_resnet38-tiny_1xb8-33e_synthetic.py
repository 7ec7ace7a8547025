# PSA train_cam on the synthetic VOC-layout set (CPU, about a minute): a tiny ResNet-38 from
# scratch (BN trains, no dropout), no pretrained weights. `tools/train.py` generates the set
# (psa.datasets.make_synthetic: the marked style, 64 images, 2 classes, 112 x 112). The recipe
# of packages/psa/tools/learned_chain.py: ~400 Adam steps of 8 at a constant lr.
_base_ = ['./psa-cam_resnet38_8xb2-15e_voc12aug-448x448.py']

data_root = '{{$DATA_ROOT:data/synthetic/psa}}'
crop_size = 112
model = dict(dropout=0.0,
             backbone=dict(widths=(8, 16, 16, 32, 32, 64), depths=(1, 1, 1, 1), frozen=(),
                           dropouts=(0.0, 0.0), norm_eval=False, init_cfg=None))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PsaJointRandomCrop', crop_size=crop_size, keys=('img',)),
    dict(type='PsaPackInputs'),
]
# train_cam.txt: the 64 images + 32 background-only ones (psa.datasets.make_synthetic; without
# them "bicycle = no aeroplane mark" fits the two-class labels and one class's CAM collapsed onto
# the background on some seeds), 33 epochs x 12 = 396 steps, about the 400 of learned_chain.py
# (50 epochs = 600 steps with them gave partial collapses; README, Results)
train_dataloader = dict(batch_size=8, num_workers=0,
                        dataset=dict(data_root=data_root,
                                     ann_file='ImageSets/Segmentation/train_cam.txt',
                                     pipeline=train_pipeline))
make_cam_list = 'ImageSets/Segmentation/train.txt'  # psa.pipeline.make_cam_stage: the 64 images
optim_wrapper = dict(optimizer=dict(_delete_=True, type='Adam', lr=3e-3), paramwise_cfg=None)
max_epochs = 33
param_scheduler = []  # constant lr, as learned_chain.py
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs), logger=dict(interval=2))
test_dataloader = dict(num_workers=0, dataset=dict(data_root=data_root))
# make_cam: the 112 x 112 images upscaled x1.5 and x2.5 (+ flip), learned_chain.py's scales.
# At the official scales (1, 0.5, 1.5, 2) the 14 x 14 CAM grid of a 112 x 112 image (7 x 7 at
# 0.5) smears the small marks over their neighbourhood.
cam_scales = (1.5, 2.5)
