# STTS MViT-B 16x4 06-s4-09 of the paper (official MViT/configs/Kinetics/t0_*_s4_*.yaml): keep
# int(8 x 0.625) of 8 temporal slices before block 0 and an anchor of int(196 x 0.863) tokens
# (side int(sqrt(.))) of the 14 x 14 grid before block 4.
_base_ = ['./_base_/stts_mvit-b-16x4_20e_kinetics400.py']
model = dict(backbone=dict(time_left_ratio=[0.625], space_left_ratio=[0.863]))
