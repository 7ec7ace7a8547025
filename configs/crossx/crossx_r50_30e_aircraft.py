# Cross-X ResNet-50 on FGVC-Aircraft, variants (100), trainval / test (official 'vggaircraft':
# the "avg" model; the recipe of CUB: Resize 600 -> crop 448). The official initialization.py
# keys Aircraft's gammas as 'vggaricraft' (typo), so the released code trains Aircraft with
# gamma = 0 (no C3S): this config keeps that official behaviour. The listed gammas
# (0.5, 0.1, 0.5) are crossx.hyperparams.crossx_hyperparams('resnet', 'vggaircraft',
# official_aircraft_typo=False): set model.head.gammas to them to run those instead.
_base_ = ['./crossx_r50_30e_cub.py']

data_root = '{{$DATA_ROOT:data/fgvc-aircraft-2013b}}'
num_classes = 100
model = dict(data_preprocessor=dict(num_classes=num_classes),
             head=dict(num_classes=num_classes, plty_pool='avg', gammas=(0.0, 0.0, 0.0)))
dataset = dict(type='FGVCAircraftClassification', data_root=data_root, level='variant')
train_dataloader = dict(dataset=dict(dataset, split='trainval'))
val_dataloader = dict(dataset=dict(dataset, split='test'))
test_dataloader = val_dataloader
# top-1 and the class-average accuracy (official modellearning.eval for vggaircraft)
val_evaluator = [dict(type='Accuracy', topk=(1, )),
                 dict(type='SingleLabelMetric', items=('recall', ), average='macro')]
test_evaluator = val_evaluator
