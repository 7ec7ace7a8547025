# IRN's final semantic model (stages train_deeplab / test_deeplab): DeepLab v2 ResNet-50
# (configs/_base_/wsss: mmseg, deeplab-pytorch's VOC recipe) trained on the semantic pseudo labels
# of the make_sem_seg_labels stage (VOC 2012 train_aug), tested on VOC 2012 val (the paper's
# 63.5 mIoU; its DeepLab was deeplab-pytorch, README Differences).
_base_ = ['../_base_/wsss/deeplab_v2_r50_20k_voc12_pseudo.py']

custom_imports = dict(imports=['irn', 'cvshared.wsss.deeplab', 'cvshared.datasets.voc'],
                      allow_failed_imports=False)
stage_inputs = dict(make_sem_seg_labels='work_dirs/reproduce/irn/make_sem_seg_labels')
train_dataloader = dict(dataset=dict(pseudo_label_dir=stage_inputs['make_sem_seg_labels'],
                                     pseudo_stage='make_sem_seg_labels', paper='irn'))
