# AD-CAM train_cam on the synthetic VOC-layout set (CPU, ~15 s): a tiny Conformer (3 blocks,
# 48 dims, 3 heads, channel ratio 0.25) from scratch, query/key projections tied at init
# (std 0.5: from mmpretrain's init the attention stays uniform, README, Differences), 120 AdamW
# steps of 8 at a constant lr. `tools/train.py` / `make reproduce PAPER=adcam` generate the set
# (adcam.datasets.make_synthetic: the marked style, 128 x 128, two classes, + 8 background-only
# images for the CAM net).
_base_ = ['./adcam-cam_conformer-s_1xb8-20e_voc12aug-512x512.py']

data_root = '{{$DATA_ROOT:data/synthetic/adcam}}'
model = dict(backbone=dict(_delete_=True, type='AdcamConformer',
                           arch=dict(embed_dims=48, depths=3, num_heads=3, channel_ratio=0.25),
                           drop_path_rate=0.0, norm_eval=False, qk_init=dict(std=0.5),
                           init_cfg=None))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='AdcamPackInputs'),
]
train_dataloader = dict(batch_size=8, num_workers=0,
                        sampler=dict(type='InfiniteSampler', shuffle=True),
                        dataset=dict(data_root=data_root,
                                     ann_file='ImageSets/Segmentation/train_cam.txt',
                                     pipeline=train_pipeline))
optim_wrapper = dict(optimizer=dict(lr=1e-3, weight_decay=1e-4))
max_iters = 120
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=max_iters),
                     logger=dict(interval=20))
log_processor = dict(by_epoch=False)
test_dataloader = dict(num_workers=0, dataset=dict(data_root=data_root))
# make_pseudo_labels: the 128 x 128 images at scale 1 + flip (the learning test's protocol)
cam_scales = (1.0,)
label_list = 'ImageSets/Segmentation/train.txt'
