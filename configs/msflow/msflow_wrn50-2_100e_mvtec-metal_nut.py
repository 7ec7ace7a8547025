# MSFlow (WRN-50-2, 100 epochs = 25 x 4 sub-epochs) on MVTec AD, category 'metal_nut'.
_base_ = ['./_base_/msflow_wrn50-2_100e_mvtec.py']
category = 'metal_nut'  # --cfg-options category=X reaches the three datasets
train_dataloader = dict(dataset=dict(category='metal_nut'))
val_dataloader = dict(dataset=dict(category='metal_nut'))
test_dataloader = dict(dataset=dict(category='metal_nut'))
