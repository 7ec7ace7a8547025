# IRN train_irn on the synthetic VOC-layout set: IRNet's two branches on the tiny ResNet-18 of
# the CAM stage, initialised from the train_cam checkpoint (the stand-in for ImageNet features)
# and trained with the branches (freeze_backbone=False: a tiny backbone from a 80-step CAM run
# gives the boundary branch too little to learn from when frozen; README Differences); pair
# radius 5 on the 32 x 32 grid of the 128 px images (radius 10 leaves 23 x 14 sources), Adam.
_base_ = ['./irn-irnet_r50_1xb32-3e_voc12aug-512x512.py']

data_root = '{{$DATA_ROOT:data/synthetic/irn}}'
crop_size = 128
radius = 5
# IR-label / walk thresholds for the tiny CAM net's max-normalised CAMs (~0.2 on the
# background, ~0.8 on the objects of the marked set; the official 0.30 / 0.05 and 0.25 label
# the background as foreground): 'tuned' = the rule fg = t, bg = t / 3, walk / instance bg = t,
# with t the CAM-only labels' best background threshold on a separate draw of the generator
# (make_cam/tuning.json: the CAM config's threshold_tuning; irn.pipeline.tuned_thresholds),
# never read from the evaluated images (README Differences)
ir_label_thres = 'tuned'
sem_seg_bg_thres = 'tuned'
ins_seg_bg_thres = 'tuned'
cam_config = 'configs/irn/irn-cam_r18-tiny_1xb8-40e_synthetic.py'
train_cam_checkpoint = 'work_dirs/reproduce/irn/train_cam/epoch_40.pth'
model = dict(
    radius=radius, crop_size=crop_size, freeze_backbone=False,
    backbone=dict(_delete_=True, type='IrnResNet', depth=18, base_channels=8, stem_channels=8,
                  strides=(1, 2, 2, 1), norm_eval=False, frozen_stages=-1, detach=(),
                  init_cfg=dict(type='Pretrained', checkpoint=train_cam_checkpoint,
                                prefix='backbone.')))
irn_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='IrnLoadIRLabel', label_dir={{_base_.stage_inputs.cam_to_ir_label}}),
    dict(type='IrnRandomFlip', prob=0.5),
    dict(type='IrnRandomCrop', crop_size=crop_size),
    dict(type='IrnPairLabels', radius=radius, crop_size=crop_size),
    dict(type='IrnPackInputs', keys=()),
]
train_dataloader = dict(batch_size=8, num_workers=0, drop_last=True,
                        dataset=dict(data_root=data_root,
                                     ann_file='ImageSets/Segmentation/train.txt',
                                     pipeline=irn_pipeline))
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-2))
max_epochs = 30
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=True, begin=0,
                        end=max_epochs, convert_to_iter_based=True)]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs), logger=dict(interval=5))
test_dataloader = dict(num_workers=0, dataset=dict(data_root=data_root))
