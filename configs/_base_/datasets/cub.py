# CUB-200-2011 for deep metric learning (zero-shot split: classes 1-100 train, 101-200 test;
# cvshared.datasets.retrieval.CUBRetrieval), official layout:
#   DATA_ROOT/{images.txt, image_class_labels.txt, classes.txt, images/<class>/<file>.jpg}
# Pipelines of the official Proxy Anchor code (code/dataset/utils.py, ResNet branch):
# RandomResizedCrop 224 + horizontal flip; test: short side 256, centre crop 224; ImageNet
# mean / std in the model's data preprocessor (configs/_base_/models/retriever_r50.py).
# Resizing with PIL (backend='pillow'), as the official torchvision transforms do: mmcv's cv2
# resize (no antialiasing) moves the unit embedding of a photo by 2.5e-3 against the official
# one, PIL matches it to 1.2e-7 (packages/proxyanchor/tests/test_golden.py, whole forward).
# Class-balanced batches (MPerClassSampler): `batch_size` images, `samples_per_class` per class;
# the sampler and the loader share `batch_size` (mmengine gives the sampler no loader size).
# Metric: Recall@1/2/4/8 leave-one-out on the test classes, MAP@R, NMI (fractions).
custom_imports = dict(imports=['cvshared.retrieval'], allow_failed_imports=False)
dataset_type = 'CUBRetrieval'
data_root = '{{$DATA_ROOT:data/CUB_200_2011}}'
batch_size = 120
samples_per_class = 2
img_size = 224
metric_prefix = 'cub'

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=img_size, backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow'),
    dict(type='CenterCrop', crop_size=img_size),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=4,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='MPerClassSampler', batch_size=batch_size, m=samples_per_class),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=120,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='DMLRetrievalMetric', topk=(1, 2, 4, 8), mode='leave_one_out',
                     map_at_r=True, nmi=False, prefix=metric_prefix)
test_evaluator = dict(type='DMLRetrievalMetric', topk=(1, 2, 4, 8), mode='leave_one_out',
                      map_at_r=True, nmi=True, prefix=metric_prefix)
