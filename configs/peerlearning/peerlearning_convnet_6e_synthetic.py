# peerlearning on its synthetic data set (CPU, seconds): a small model, random initialisation.
# `tools/train.py` / `make reproduce PAPER=peerlearning` generate the set at data/synthetic/peerlearning.
_base_ = ['./peerlearning_convnet_100e_webaircraft.py']

data_root = '{{$DATA_ROOT:data/synthetic/peerlearning}}'

model = dict(backbone=dict(channels=(8, 16), init_cfg=None))

train_dataloader = dict(batch_size=16, num_workers=0, dataset=dict(data_root=data_root))
val_dataloader = dict(batch_size=16, num_workers=0, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=1e-2))
train_cfg = dict(max_epochs=6, val_interval=6)
default_hooks = dict(checkpoint=dict(interval=6), logger=dict(interval=2))
