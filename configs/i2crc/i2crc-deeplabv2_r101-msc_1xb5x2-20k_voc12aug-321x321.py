# I2CRC stages train_deeplab / test_deeplab: DeepLab-v2 (ResNet-101, output stride 8, the ASPP
# sum of cvshared.wsss.deeplab.DeepLabV2Head) with multi-scale inputs (i2crc's
# I2crcMSCSegmentor: scales 1, 0.5, 0.75; CE on each + their max; test = max) trained on the
# make_labels stage's gen_gt pseudo labels of VOC 2012 train_aug, tested on VOC 2012 val (the
# paper's 69.3 mIoU comes after the refinement round and CRF: the *_refined config).
# Official segmentation/configs/voc12.yaml + main.py: batch 5 x iter_size 2, 20k updates, crop
# 321, SGD lr 2.5e-4 for every parameter (main.py passes model.parameters(): no x10 head),
# momentum 0.9, wd 5e-4, poly 0.9, BatchNorm training (freeze_bn() is commented out).
_base_ = ['../_base_/wsss/deeplab_v2_r50_20k_voc12_pseudo.py']

custom_imports = dict(imports=['i2crc', 'cvshared.wsss.deeplab', 'cvshared.datasets.voc'],
                      allow_failed_imports=False)
stage_inputs = dict(make_labels='work_dirs/reproduce/i2crc/make_labels')
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='I2crcMSCSegmentor',
    msc_scales=(0.5, 0.75),
    backbone=dict(
        depth=101, norm_cfg=norm_cfg, norm_eval=False,
        # layer3 / layer4 dilated 2 / 4; the official keeps dilation 1 in the first block of
        # both, contract_dilation gives 1 / 2 (README, Differences)
        contract_dilation=True,
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/resnet101-5d3b4d8f.pth')))
train_dataloader = dict(batch_size=5,
                        dataset=dict(pseudo_label_dir=stage_inputs['make_labels'],
                                     pseudo_stage='make_labels', paper='i2crc'))
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=2.5e-4, momentum=0.9, weight_decay=5e-4),
    accumulative_counts=2,
    paramwise_cfg=dict(_delete_=True))
# 20k updates of 2 accumulated batches = 40k data iterations
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=40000,
                        by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=40000, val_interval=4000)
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=4000, max_keep_ckpts=2),
    visualization=dict(type='I2crcVisualizationHook', draw=False, test_out_dir=None))
# refine_labels stage: the dense CRF on this DeepLab's train_aug predictions before the
# refinement rules (official trainaug_pred.py crf, configs/voc12.yaml CRF); 'official' feeds
# its bilateral term the official's wrapped mean-subtracted image, 'rgb' the image, None: no CRF
refine_crf = 'official'
