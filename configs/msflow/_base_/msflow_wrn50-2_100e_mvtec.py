# MSFlow, paper setting on MVTec AD (one model per category; the per-category configs set
# `category` in the three dataloaders).
_base_ = ['./msflow_wrn50-2_100e.py', '../../_base_/datasets/mvtec_ad.py']
