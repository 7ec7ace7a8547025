# The self-supervised mode: the contrastive motion losses ONLY (self_supervised=True, no label
# read, no loss_cls), TSM-R50 + motion hierarchy on Kinetics-400 videos; its checkpoint is a
# `load_from` for the supervised configs (the head is then re-initialised). Whether the paper
# pre-trains this way could not be read (README, Differences): our option.
_base_ = ['./hcml_tsm-r50_1x1x8_100e_kinetics400.py']
model = dict(self_supervised=True, contrastive=dict(loss_weight=1.0))
val_cfg = None
val_dataloader = None
val_evaluator = None
train_cfg = dict(val_interval=1000)
