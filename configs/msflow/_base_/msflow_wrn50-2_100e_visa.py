# MSFlow, paper setting on VisA (1cls split in MVTec format): the same model and schedule as on
# MVTec AD, VisA's data setting. The per-category configs set `category` in the dataloaders.
_base_ = ['./msflow_wrn50-2_100e.py', '../../_base_/datasets/visa.py']
