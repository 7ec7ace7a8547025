# PSA's final semantic model (stages train_deeplab / test_deeplab): DeepLab v2 with the
# ResNet-38 backbone (the paper's DeepLab, Sec. 4.3: "DeepLab ... ResNet-38", initialised from
# ImageNet) trained on the random_walk stage's pseudo labels of VOC 2012 train_aug, tested on
# VOC 2012 val (the paper's 61.7 mIoU; 63.7 on test). The recipe is the shared DeepLab v2 base
# (configs/_base_/wsss: deeplab-pytorch's VOC schedule, frozen BN); the backbone is psa's
# ResNet-38 (conv6, 4096 channels, output stride 8) with the converted ImageNet weights.
_base_ = ['../_base_/wsss/deeplab_v2_r50_20k_voc12_pseudo.py']

custom_imports = dict(imports=['psa', 'cvshared.wsss.deeplab', 'cvshared.datasets.voc'],
                      allow_failed_imports=False)
stage_inputs = dict(random_walk='work_dirs/reproduce/psa/random_walk')
model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNet38',
        out_keys=('conv6',),   # a tuple for mmseg's decode head (in_index 0)
        norm_eval=True,        # BN frozen (ImageNet statistics), as the base's ResNet-50
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/resnet38d_imagenet.pth',
                      prefix='backbone.')),
    decode_head=dict(in_channels=4096))
train_dataloader = dict(dataset=dict(pseudo_label_dir=stage_inputs['random_walk'],
                                     pseudo_stage='random_walk', paper='psa'))
