# Cross-X ResNet-50 on NABirds (official 'nabirds': the "mix" model and the recipe of CUB).
_base_ = ['./crossx_r50_30e_cub.py']

data_root = '{{$DATA_ROOT:data/nabirds}}'
num_classes = 555
model = dict(data_preprocessor=dict(num_classes=num_classes),
             head=dict(num_classes=num_classes))
train_dataloader = dict(dataset=dict(type='NABirdsClassification', data_root=data_root))
val_dataloader = dict(dataset=dict(type='NABirdsClassification', data_root=data_root))
test_dataloader = val_dataloader
