# The synthetic COCO-Stuff-27 curated tree (cvshared.datasets.useg_synthetic.make_synthetic:
# textured Voronoi regions of a few classes, 48 x 64 images), CPU-sized: training on the
# uncropped train list at 64 (shorter side 64, centre crop), validation on the val list at 64,
# batch 8 / 4, no workers. Same loaders, label mapping, preprocessor and evaluators as the
# COCO-Stuff-27 base; only the crop step, the sizes and the loader settings differ.
_base_ = ['./useg_cocostuff27.py']
data_root = '{{$DATA_ROOT:data/synthetic/useg}}'
train_res = 64
val_res = 64
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
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='CocoStuff27Dataset', data_root=data_root, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='CocoStuff27Dataset', data_root=data_root, split='val',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
