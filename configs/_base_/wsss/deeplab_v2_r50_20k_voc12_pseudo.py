# Final semantic stage of a WSSS pipeline: DeepLab v2 (ASPP-sum classifier, rates 6/12/18/24;
# cvshared.wsss.deeplab.DeepLabV2Head) on a dilated ResNet-50 (output stride 8), trained on the
# pipeline's semantic pseudo labels, tested on VOC val (mIoU). IRN's final model ("DeepLab v2,
# ResNet-50"); the recipe is deeplab-pytorch's VOC one: batch 10, crop 321, scales 0.5-1.5,
# SGD lr 2.5e-4 (x10 on the head), momentum 0.9, weight decay 5e-4, poly 0.9, 20k iterations,
# BatchNorm frozen (ImageNet statistics), whole-image test.
# Pretrained: ImageNet ResNet-50 (torchvision's resnet50-19c8e357.pth; its key names are those of
# mmseg's ResNet) at checkpoints/resnet50-19c8e357.pth.
# A paper config inherits this and sets the pseudo-label folder (configs/_base_/datasets/
# voc12_pseudo.py says how).
_base_ = ['../runtime/mmseg.py', '../datasets/voc12_pseudo.py']

crop_size = (321, 321)  # as in ../datasets/voc12_pseudo.py (a base's variables are not visible)
norm_cfg = dict(type='BN', requires_grad=False)
data_preprocessor = dict(
    type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True, pad_val=0, seg_pad_val=255, size=crop_size)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='ResNet', depth=50, num_stages=4, out_indices=(3,), strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4), style='pytorch', norm_cfg=norm_cfg, norm_eval=True,
        contract_dilation=False,
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/resnet50-19c8e357.pth')),
    decode_head=dict(
        type='DeepLabV2Head', in_channels=2048, in_index=0, dilations=(6, 12, 18, 24),
        num_classes=21, align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=2.5e-4, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=10.0)}))
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=20000,
                        by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=20000, val_interval=2000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=2000, max_keep_ckpts=2))
