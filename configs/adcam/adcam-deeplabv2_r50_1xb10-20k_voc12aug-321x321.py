# AD-CAM's final semantic model (stages train_deeplab / test_deeplab): DeepLab v2 trained on the
# make_pseudo_labels stage's AD-CAM pseudo labels of VOC 2012 train_aug, tested on VOC 2012 val.
# AD-CAM's segmentation recipe could not be read (README): this is the shared DeepLab v2 base
# (configs/_base_/wsss: dilated ResNet-50, ASPP-sum, deeplab-pytorch's VOC schedule, frozen BN,
# ImageNet ResNet-50 weights), decided by us.
_base_ = ['../_base_/wsss/deeplab_v2_r50_20k_voc12_pseudo.py']

custom_imports = dict(imports=['adcam', 'cvshared.wsss.deeplab', 'cvshared.datasets.voc'],
                      allow_failed_imports=False)
stage_inputs = dict(make_pseudo_labels='work_dirs/reproduce/adcam/make_pseudo_labels')
train_dataloader = dict(dataset=dict(pseudo_label_dir=stage_inputs['make_pseudo_labels'] + '/adcam',
                                     pseudo_stage='make_pseudo_labels', paper='adcam'))
