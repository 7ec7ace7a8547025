# MSFlow (WRN-50-2, 100 epochs = 25 x 4 sub-epochs) on VisA (1cls split), category 'pipe_fryum'.
_base_ = ['./_base_/msflow_wrn50-2_100e_visa.py']
category = 'pipe_fryum'  # --cfg-options category=X reaches the three datasets
train_dataloader = dict(dataset=dict(category='pipe_fryum'))
val_dataloader = dict(dataset=dict(category='pipe_fryum'))
test_dataloader = dict(dataset=dict(category='pipe_fryum'))
