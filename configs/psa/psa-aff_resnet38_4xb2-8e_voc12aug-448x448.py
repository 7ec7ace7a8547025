# PSA stage train_aff: AffinityNet on VOC 2012 train_aug with the la / ha CRF labels of the
# make_aff_labels stage (official train_aff.py: batch 8 (4 x 2 here), crop 448, 8 epochs,
# lr 0.1 (x10 new layers), wd 5e-4, poly 0.9), initialised from ImageNet ResNet-38.
_base_ = ['./psa-cam_resnet38_8xb2-15e_voc12aug-448x448.py']

stage_inputs = dict(make_cam='work_dirs/reproduce/psa/make_cam',
                    make_aff_labels='work_dirs/reproduce/psa/make_aff_labels')

model = dict(_delete_=True,
             type='PsaAffinityNet',
             data_preprocessor={{_base_.preprocessor}},
             head_channels=(64, 128, 256),
             radius=5,
             # the random walk (test mode and the random_walk stage; infer_aff.py defaults):
             # background (1 - max CAM)^alpha, W = a^beta, T^(2^logt)
             rw_cfg=dict(alpha=16, beta=8, logt=8),
             backbone=dict(
                 type='ResNet38',
                 init_cfg=dict(type='Pretrained', checkpoint='checkpoints/resnet38d_imagenet.pth',
                               prefix='backbone.')))

aff_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PhotoMetricDistortion'),
    dict(type='PsaLoadAffinityScores', label_dir=stage_inputs['make_aff_labels']),
    dict(type='PsaJointRandomCrop', crop_size={{_base_.crop_size}}),
    dict(type='PsaAffinityLabel', flip_prob=0.5),
    dict(type='PsaPackInputs', keys=()),
]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=aff_pipeline))
optim_wrapper = dict(paramwise_cfg=dict(
    custom_keys={'f8_': dict(lr_mult=10.0), 'f9': dict(lr_mult=10.0)}))
max_epochs = 8
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=True, begin=0,
                        end=max_epochs, convert_to_iter_based=True)]
train_cfg = dict(max_epochs=max_epochs)

# test = the random_walk stage: AffinityNet + random walk on the make_cam CAMs, pseudo-label
# mIoU on VOC 2012 train (the paper's 58.1)
_rw_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadVOCSegAnnotation'),
    dict(type='PsaLoadCAM', cam_dir=stage_inputs['make_cam']),
    dict(type='PsaPackInputs'),
]
test_dataloader = dict(dataset=dict(pipeline=_rw_test_pipeline))
