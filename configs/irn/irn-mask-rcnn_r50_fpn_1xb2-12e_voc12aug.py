# IRN's final instance model (stages train_maskrcnn / test_maskrcnn): mmdet's Mask R-CNN R50-FPN
# 1x trained on the instance pseudo labels of the make_ins_seg_labels stage (COCO json of VOC
# 2012 train_aug), tested on VOC 2012 val against the export_val_gt stage's json with mmdet's
# CocoMetric (segm): coco/segm_mAP_50 is COCO's 101-point AP at IoU 0.5, not the chainercv VOC
# AP of the paper's 46.7 mAP@0.5 (README Differences; the paper used Detectron).
# The settings are those of configs/_base_/wsss/mask_rcnn_r50_fpn_12e_voc12_pseudo.py, written
# out here (and mmdet's model in ./_base_): tests/test_configs.py cannot yet follow an 'mmdet::'
# base (README, Not done); inherit the shared base once it can.
_base_ = ['./_base_/mask-rcnn_r50_fpn.py', '../_base_/runtime/mmdet.py']

custom_imports = dict(imports=['irn'], allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/VOCdevkit/VOC2012}}'
class_names = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair',
               'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant',
               'sheep', 'sofa', 'train', 'tvmonitor')
metainfo = dict(classes=class_names)
stage_inputs = dict(make_ins_seg_labels='work_dirs/reproduce/irn/make_ins_seg_labels',
                    export_val_gt='work_dirs/reproduce/irn/export_val_gt')

model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained',
                                checkpoint='checkpoints/resnet50-19c8e357.pth')),
    roi_head=dict(bbox_head=dict(num_classes=20), mask_head=dict(num_classes=20)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
# The json files are the stages' outputs (relative to the working directory, as the work dir):
# data_root '' keeps mmengine from joining them to DATA_ROOT; the images come from DATA_ROOT.
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(type='CocoDataset', data_root='', metainfo=metainfo,
                 ann_file=stage_inputs['make_ins_seg_labels'] + '/instances_train.json',
                 data_prefix=dict(img=data_root + '/JPEGImages/'),
                 filter_cfg=dict(filter_empty_gt=True, min_size=1), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='CocoDataset', data_root='', metainfo=metainfo,
                 ann_file=stage_inputs['export_val_gt'] + '/instances_val.json',
                 data_prefix=dict(img=data_root + '/JPEGImages/'), test_mode=True,
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric',
                     ann_file=stage_inputs['export_val_gt'] + '/instances_val.json',
                     metric='segm', format_only=False)
test_evaluator = val_evaluator

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1),
]
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4))
auto_scale_lr = dict(enable=False, base_batch_size=16)
