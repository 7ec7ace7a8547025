# Stanford Online Products for deep metric learning (Ebay_train.txt: 11,318 classes train,
# Ebay_test.txt: 11,316 test; cvshared.datasets.retrieval.SOPRetrieval), official layout:
#   DATA_ROOT/{Ebay_train.txt, Ebay_test.txt, <super>_final/<file>.JPG}
# Recall@1/10/100/1000 leave-one-out (60,502 test images); NMI is off at test here: k-means
# with 11,316 clusters on the CPU takes far longer than the search (set nmi=True to get it).
_base_ = ['./cub.py']
dataset_type = 'SOPRetrieval'
data_root = '{{$DATA_ROOT:data/Stanford_Online_Products}}'
metric_prefix = 'sop'
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(topk=(1, 10, 100, 1000), prefix=metric_prefix)
test_evaluator = dict(topk=(1, 10, 100, 1000), nmi=False, prefix=metric_prefix)
