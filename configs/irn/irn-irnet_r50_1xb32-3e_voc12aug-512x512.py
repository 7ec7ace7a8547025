# IRN stage train_irn: IRNet (boundary + displacement branches on the frozen ImageNet ResNet-50)
# on VOC 2012 train_aug with the IR labels of the cam_to_ir_label stage (official run_sample.py /
# step/train_irn.py: batch 32, crop 512 after a random rescale 0.5-1.5 and a flip, pair radius 10
# at stride 4, 3 epochs, lr 0.1 boundary / 1.0 displacement, wd 1e-4, poly 0.9 per iteration);
# the displacement mean shift is computed after the last epoch (MeanShiftHook).
# Its test (and the make_sem_seg_labels stage) is the random walk of the make_cam CAMs on the
# boundary map: pseudo-label mIoU on VOC 2012 train.
_base_ = ['./irn-cam_r50_1xb16-5e_voc12aug-512x512.py']

stage_inputs = dict(make_cam='work_dirs/reproduce/irn/make_cam',
                    cam_to_ir_label='work_dirs/reproduce/irn/cam_to_ir_label')
radius = 10
# the CAM net of the inferencer (irn.infer): its config and the default train_cam checkpoint
cam_config = 'configs/irn/irn-cam_r50_1xb16-5e_voc12aug-512x512.py'
train_cam_checkpoint = 'work_dirs/reproduce/irn/train_cam/epoch_5.pth'
model = dict(
    _delete_=True,
    type='IrnNet',
    data_preprocessor={{_base_.preprocessor}},
    radius=radius,
    crop_size={{_base_.crop_size}},
    backbone=dict(
        type='IrnResNet', depth=50, strides=(1, 2, 2, 1), norm_eval=True, frozen_stages=4,
        detach=(0, 1, 2, 3, 4),
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/resnet50-19c8e357.pth')))

irn_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='IrnLoadIRLabel', label_dir=stage_inputs['cam_to_ir_label']),
    dict(type='IrnRandomRescale', ratio_range=(0.5, 1.5)),
    dict(type='IrnRandomFlip', prob=0.5),
    dict(type='IrnRandomCrop', crop_size={{_base_.crop_size}}),
    dict(type='IrnPairLabels', radius=radius, crop_size={{_base_.crop_size}}),
    dict(type='IrnPackInputs', keys=()),
]
train_dataloader = dict(batch_size=32, drop_last=True, dataset=dict(pipeline=irn_pipeline))
# = irn.optim.optim_wrapper('irn', lr=0.1, weight_decay=1e-4, official_momentum=...)
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True, custom_keys={'fc_dp': dict(lr_mult=10.0)}))
max_epochs = 3
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=True, begin=0,
                        end=max_epochs, convert_to_iter_based=True)]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
custom_hooks = [dict(type='MeanShiftHook')]

_rw_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadVOCSegAnnotation'),
    dict(type='IrnLoadCAM', cam_dir=stage_inputs['make_cam']),
    dict(type='IrnPackInputs', keys=()),
]
test_dataloader = dict(dataset=dict(pipeline=_rw_test_pipeline))
