# IKL adversarial training on the synthetic CIFAR-10-layout set (CPU, seconds): a tiny ConvNet,
# the official 'low' budget (2 steps of eps_e), PGD-10 at eps 8/255 as the test attack.
# `make reproduce PAPER=dkl` generates the set at data/synthetic/dkl.
_base_ = ['./ikl-at_wrn34-10_200e_cifar10.py']

data_root = '{{$DATA_ROOT:data/synthetic/dkl}}'
model = dict(backbone=dict(_delete_=True, type='DklTinyConvNet'),
             head=dict(in_channels=512), steps=2, step_ratio=1.0)
test_pipeline = [dict(type='PackInputs')]
train_dataloader = dict(batch_size=32, num_workers=0,
                        dataset=dict(type='SyntheticCIFAR10', data_root=data_root,
                                     pipeline=test_pipeline))
val_dataloader = dict(batch_size=250, num_workers=0,
                      dataset=dict(type='SyntheticCIFAR10', data_root=data_root))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=0.02))
param_scheduler = []
train_cfg = dict(max_epochs=12, val_interval=100)
pgd = dict(PGD=dict(type='PGD', eps=8 / 255, alpha=2 / 255, steps=10))
test_cfg = dict(_delete_=True, type='RobustTestLoop', attacks=pgd)
custom_hooks = []
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(interval=10))
