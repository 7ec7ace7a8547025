# I2CRC stages train_deeplab_refined / test_deeplab_refined: the same DeepLab-v2 MSC retrained
# on the refine_labels stage's labels (object-guided refinement of the first DeepLab's train_aug
# predictions; official classification/label_refinement.py), tested on VOC 2012 val: the
# paper's final model (README: released checkpoint_69.3.pth, 69.3 mIoU on val with CRF).
_base_ = ['./i2crc-deeplabv2_r101-msc_1xb5x2-20k_voc12aug-321x321.py']

stage_inputs = dict(_delete_=True, refine_labels='work_dirs/reproduce/i2crc/refine_labels')
train_dataloader = dict(dataset=dict(pseudo_label_dir=stage_inputs['refine_labels'],
                                     pseudo_stage='refine_labels'))
