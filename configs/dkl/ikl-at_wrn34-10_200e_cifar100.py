# IKL adversarial training, WRN-34-10, CIFAR-100, basic augmentation
# (sh/train_dkl_cifar100.sh, first run: alpha 4, beta 20, T 4). Paper: 66.51 / 31.43.
_base_ = ['./ikl-at_wrn34-10_200e_cifar10.py']

data_root = '{{$DATA_ROOT:data/cifar100}}'
num_classes = 100
model = dict(num_classes=num_classes, head=dict(num_classes=num_classes))
train_dataloader = dict(dataset=dict(type='CIFAR100', data_root=data_root))
val_dataloader = dict(dataset=dict(type='CIFAR100', data_root=data_root))
test_dataloader = val_dataloader
test_cfg = dict(attacks=dict(AutoAttack=dict(n_classes=num_classes)))
