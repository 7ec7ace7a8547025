# COCO-Stuff-27 "curated" (cvshared.datasets.useg), as the official HP / PPAP train and evaluate:
# training on the five-crop pre-cropped set (crop ratio 0.5, written by tools/useg_five_crop.py
# under <DATA_ROOT>/cropped/cocostuff27_five_crop_0.5/) with the official training transform
# (shorter side to 224, PIL nearest, centre crop 224); validation on the 2175 images of
# Coco164kFull_Stuff_Coarse_7.txt at 320 (shorter side 320, centre crop 320), batch 16 as run.py.
# DATA_ROOT is the cocostuff folder itself (the official data_path). A paper adds its own
# augmented views to train_pipeline (before PackSegInputs) in its configs.
_base_ = ['./useg_common.py']
data_root = '{{$DATA_ROOT:data/cocostuff}}'
train_res = 224
val_res = 320
_meta_keys = ('img_path', 'seg_map_path', 'img_id', 'ori_shape', 'img_shape', 'scale_factor')
train_pipeline = [
    dict(type='LoadUSegImage'),
    dict(type='LoadUSegAnnotation'),
    dict(type='ResizeShortSide', scale=train_res, interpolation='nearest'),
    dict(type='CenterCrop', crop_size=train_res),
    dict(type='mmseg.PackSegInputs', meta_keys=_meta_keys),
]
test_pipeline = [
    dict(type='LoadUSegImage'),
    dict(type='LoadUSegAnnotation'),
    dict(type='ResizeShortSide', scale=val_res, interpolation='nearest'),
    dict(type='CenterCrop', crop_size=val_res),
    dict(type='mmseg.PackSegInputs', meta_keys=_meta_keys),
]
train_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='CroppedUSegDataset', data_root=data_root, dataset_name='cocostuff27',
                 crop_type='five', crop_ratio=0.5, split='train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='CocoStuff27Dataset', data_root=data_root, split='val',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
