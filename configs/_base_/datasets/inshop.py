# In-Shop Clothes Retrieval for deep metric learning (cvshared.datasets.retrieval.InShopRetrieval):
#   DATA_ROOT/{Eval/list_eval_partition.txt, Img/img/...}
# Train on the 'train' items (3,997); test = 'query' (14,218) against 'gallery' (12,612) images
# of the other 3,985 items: split='test' loads both, each sample's `is_query` (packed by
# PackInputs algorithm_keys) tells the metric which is which. Recall@1/10/20/30/40.
_base_ = ['./cub.py']
dataset_type = 'InShopRetrieval'
data_root = '{{$DATA_ROOT:data/Inshop_Clothes}}'
metric_prefix = 'inshop'
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs', algorithm_keys=('is_query', )),
]
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='test', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(topk=(1, 10, 20, 30, 40), mode='query_gallery', prefix=metric_prefix)
test_evaluator = dict(topk=(1, 10, 20, 30, 40), mode='query_gallery', nmi=False,
                      prefix=metric_prefix)
