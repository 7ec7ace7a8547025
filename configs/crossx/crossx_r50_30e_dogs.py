# Cross-X ResNet-50 on Stanford Dogs (official 'stdogs' + 'resnet': the "avg" model, lr 0.001,
# gammas 0.01 / 0.01 / (1, unused), and modellearning.train's Dogs branch: prediction and loss
# from ulti + plty only, no cmbn C3S, KL to plty only; the cmbn layers exist but get no
# gradient, hence find_unused_parameters under DDP).
_base_ = ['./crossx_r50_30e_cars.py']

data_root = '{{$DATA_ROOT:data/stanford_dogs}}'
num_classes = 120
model = dict(data_preprocessor=dict(num_classes=num_classes),
             head=dict(num_classes=num_classes, gammas=(0.01, 0.01, 1.0),
                       branches=('ulti', 'plty')))
train_dataloader = dict(dataset=dict(type='StanfordDogsClassification', data_root=data_root))
val_dataloader = dict(dataset=dict(type='StanfordDogsClassification', data_root=data_root))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=0.001))
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
