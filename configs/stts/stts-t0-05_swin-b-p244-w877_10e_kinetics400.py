# STTS VideoSwin-B, T^0_{0.5} of the paper: keep int(16 x 0.5625) of the 16 temporal
# token slices before stage 0 (official config VideoSwin/configs/Kinetics/t0_0.5625.py).
_base_ = ['./_base_/stts_swin-b-p244-w877_10e_kinetics400.py']
model = dict(backbone=dict(time_left_ratio=[0.5625]))
