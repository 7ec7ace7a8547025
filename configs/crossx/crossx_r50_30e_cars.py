# Cross-X ResNet-50 on Stanford Cars (official 'stcars': crossxresnetavg.py, average-pooled
# plty, gammas 1 / 0.25 / 1; Resize 448 x 448 + flip, test Resize 448 x 448).
_base_ = ['./crossx_r50_30e_cub.py']

data_root = '{{$DATA_ROOT:data/stanford_cars}}'
num_classes = 196
model = dict(data_preprocessor=dict(num_classes=num_classes),
             head=dict(num_classes=num_classes, plty_pool='avg', gammas=(1.0, 0.25, 1.0)))
resize = dict(type='Resize', scale=(448, 448), keep_ratio=False, backend='pillow',
              interpolation='bilinear')
train_pipeline = [dict(type='LoadImageFromFile'), resize,
                  dict(type='RandomFlip', prob=0.5, direction='horizontal'),
                  dict(type='PackInputs')]
test_pipeline = [dict(type='LoadImageFromFile'), resize, dict(type='PackInputs')]
train_dataloader = dict(dataset=dict(type='StanfordCarsClassification', data_root=data_root,
                                     pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(type='StanfordCarsClassification', data_root=data_root,
                                   pipeline=test_pipeline))
test_dataloader = val_dataloader
