# MSFlow (WRN-50-2, 100 epochs = 25 x 4 sub-epochs) on VisA (1cls split), category 'cashew'.
_base_ = ['./_base_/msflow_wrn50-2_100e_visa.py']
category = 'cashew'  # --cfg-options category=X reaches the three datasets
train_dataloader = dict(dataset=dict(category='cashew'))
val_dataloader = dict(dataset=dict(category='cashew'))
test_dataloader = dict(dataset=dict(category='cashew'))
