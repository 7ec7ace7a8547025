# Cars-196 for deep metric learning (classes 1-98 train, 99-196 test;
# cvshared.datasets.retrieval.Cars196Retrieval), official layout:
#   DATA_ROOT/{cars_annos.mat, car_ims/000001.jpg ...}
# Same pipelines, sampler and metric as cub.py.
_base_ = ['./cub.py']
dataset_type = 'Cars196Retrieval'
data_root = '{{$DATA_ROOT:data/cars196}}'
metric_prefix = 'cars'
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(prefix=metric_prefix)
test_evaluator = dict(prefix=metric_prefix)
