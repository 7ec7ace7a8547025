# MSFlow (WRN-50-2, 100 epochs = 25 x 4 sub-epochs) on VisA (1cls split), category 'chewinggum'.
_base_ = ['./_base_/msflow_wrn50-2_100e_visa.py']
category = 'chewinggum'  # --cfg-options category=X reaches the three datasets
train_dataloader = dict(dataset=dict(category='chewinggum'))
val_dataloader = dict(dataset=dict(category='chewinggum'))
test_dataloader = dict(dataset=dict(category='chewinggum'))
