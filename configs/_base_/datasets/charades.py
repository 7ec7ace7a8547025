# Charades v1, video-level multi-label classification scored by mAP (cvshared.datasets.action.
# CharadesDataset). DATA_ROOT holds Charades_v1_{train,test}.csv, Charades_v1_classes.txt and
# Charades_v1_480/<id>.mp4 (the released Charades.zip and Charades_v1_480.zip). Test = the
# official test csv (1,863 videos). A config inheriting this sets train_pipeline / val_pipeline /
# test_pipeline and puts them into the dataloaders, plus batch sizes; multi-label training needs
# a head with a sigmoid loss (e.g. I3DHead(loss_cls=dict(type='BCELossWithLogits'),
# multi_class=True)).
custom_imports = dict(imports=['cvshared.datasets.action'], allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/charades}}'
dataset_type = 'CharadesDataset'
num_classes = 157
train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='Charades_v1_train.csv',
        num_classes=num_classes,
        pipeline=[]))
val_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='Charades_v1_test.csv',
        num_classes=num_classes,
        pipeline=[],
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric', metric_list=('mean_average_precision',))
test_evaluator = val_evaluator
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
