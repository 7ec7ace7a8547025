# I2CRC train_deeplab_refined / test_deeplab_refined on the synthetic set: the tiny MSC
# DeepLab-v2 of the other synthetic config retrained on the refine_labels stage's labels.
_base_ = ['./i2crc-deeplabv2_r18-tiny-msc_1xb4-200i_synthetic.py']

stage_inputs = dict(_delete_=True, refine_labels='work_dirs/reproduce/i2crc/refine_labels')
train_dataloader = dict(dataset=dict(pseudo_label_dir=stage_inputs['refine_labels'],
                                     pseudo_stage='refine_labels'))
