# IRN train_cam on the synthetic VOC-layout set (CPU, seconds): a tiny ResNet-18 (base width 8)
# from scratch (BN trains, nothing frozen or detached), no pretrained weights, Adam 3e-3 at a
# constant rate, flip only (the recipe measured in README Results: 64 images -> 8 iterations
# an epoch, 320 steps). `tools/train.py` / the synthetic pipeline generates the set
# (irn.datasets.make_chain_synthetic: the marked style, 64 + 8 images of 128 px).
_base_ = ['./irn-cam_r50_1xb16-5e_voc12aug-512x512.py']

data_root = '{{$DATA_ROOT:data/synthetic/irn}}'
crop_size = 128
tiny_backbone = dict(type='IrnResNet', depth=18, base_channels=8, stem_channels=8,
                     strides=(1, 2, 2, 1), norm_eval=False, frozen_stages=-1, detach=(),
                     init_cfg=None)
model = dict(backbone=dict(_delete_=True, **tiny_backbone))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='IrnRandomFlip', prob=0.5),
    dict(type='IrnRandomCrop', crop_size=crop_size),
    dict(type='IrnPackInputs'),
]
# the CAM net trains on train_cam.txt: train.txt + the background-only images of
# make_chain_synthetic (16 for 64: with two classes and an object in every image, "aeroplane =
# no bicycle mark" fits the labels and the minority class's CAM spread over the background on
# 2 of 5 seeds; README Results); make_cam, the IR labels and the walk use train.txt
train_dataloader = dict(batch_size=8, num_workers=0,
                        dataset=dict(data_root=data_root,
                                     ann_file='ImageSets/Segmentation/train_cam.txt',
                                     pipeline=train_pipeline))
make_cam_list = 'ImageSets/Segmentation/train.txt'  # irn.pipeline.make_cam_stage
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=3e-3))
max_epochs = 40
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True, begin=0, end=max_epochs)]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs), logger=dict(interval=5))
test_dataloader = dict(num_workers=0, dataset=dict(data_root=data_root))
# make_cam also tunes the CAM-only labels' background threshold t on a SEPARATE draw of the
# synthetic generator (irn.datasets.make_chain_synthetic, seed 1000, 32 images; the evaluated
# set is seed 0), never on the evaluated images: irn.pipeline.tune_cam_threshold ->
# make_cam/tuning.json, read by the IRNet config's 'tuned' thresholds (README Differences)
threshold_tuning = dict(seed=1000, num_images=32)
