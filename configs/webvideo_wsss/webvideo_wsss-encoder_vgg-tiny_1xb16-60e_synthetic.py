# webvideo_wsss train_encoder on the synthetic set (CPU, seconds): a tiny VGG (one 3 x 3 layer
# per block, widths 16-32-64, two pools: stride 4) from scratch on 64 x 64 images, Adam 3e-3,
# flip only; trained on train_cam.txt (train + 16 background-only images, as psa / irn: with
# two classes "class A = no mark of class B" fits the labels otherwise). 80 images / 16 =
# 5 iterations an epoch, 300 steps (the recipe of tests/test_learning.py).
_base_ = ['./webvideo_wsss-encoder_vgg16_1xb16-20e_voc12aug-320x320.py']

data_root = '{{$DATA_ROOT:data/synthetic/webvideo_wsss}}'
voc_root = data_root + '/VOC2012'
video_root = data_root + '/webvideos'
tiny_backbone = dict(arch=(1, 1, 1), widths=(16, 32, 64), num_pools=2, init_cfg=None)
model = dict(backbone=dict(_delete_=True, **tiny_backbone))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='WebVideoRandomFlip', prob=0.5),
    dict(type='WebVideoPackInputs'),
]
train_dataloader = dict(num_workers=0,
                        dataset=dict(data_root=voc_root,
                                     ann_file='ImageSets/Segmentation/train_cam.txt',
                                     pipeline=train_pipeline))
test_dataloader = dict(num_workers=0, dataset=dict(data_root=voc_root))
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=dict(type='Adam', lr=3e-3))
max_epochs = 60
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True, begin=0, end=max_epochs)]
train_cfg = dict(max_epochs=max_epochs)
video_stage = dict(graph_cfg=dict(n_segments=150))
default_hooks = dict(checkpoint=dict(interval=max_epochs), logger=dict(interval=5))
