# Final instance stage of a WSSS pipeline (IRN): Mask R-CNN R50-FPN (mmdet's standard model)
# trained on the pipeline's instance pseudo labels (a COCO json written by
# cvshared.wsss.export.instances_to_coco / save_coco_json), evaluated on VOC 2012 val with
# mmdet's CocoMetric (segm) against the ground-truth json that the call stage
# cvshared.wsss.export:export_voc_gt_stage writes (instances_val.json). The metric is COCO's
# (101-point interpolated AP; keys coco/segm_mAP_50, coco/segm_mAP_75, ...), NOT the chainercv
# VOC AP at IoU 0.5 / 0.7 that IRN reports (cvshared.metrics.VOCInstanceAPMetric): the protocols
# differ and the paper's numbers are not directly comparable with these keys.
# Schedule: mmdet's 1x (SGD 0.02 for batch 16, 12 epochs, steps at 8 and 11, linear warm-up).
# Pretrained: ImageNet ResNet-50 at checkpoints/resnet50-19c8e357.pth (torchvision's file).
# A paper config inherits this and sets the two json files from its stage inputs, e.g.
#   stage_inputs = dict(ins='work_dirs/reproduce/irn/ins', val_gt='work_dirs/reproduce/irn/val_gt')
#   train_dataloader = dict(dataset=dict(ann_file=stage_inputs['ins'] + '/instances.json'))
#   val_dataloader = dict(dataset=dict(ann_file=stage_inputs['val_gt'] + '/instances_val.json'))
#   test_dataloader = val_dataloader
#   val_evaluator = dict(ann_file=stage_inputs['val_gt'] + '/instances_val.json')
#   test_evaluator = val_evaluator
_base_ = ['mmdet::_base_/models/mask-rcnn_r50_fpn.py', '../runtime/mmdet.py']

data_root = '{{$DATA_ROOT:data/VOCdevkit/VOC2012}}'
class_names = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair',
               'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant',
               'sheep', 'sofa', 'train', 'tvmonitor')
metainfo = dict(classes=class_names)

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
# The json files are stage outputs (paths relative to the working directory, like the work
# dir): the datasets' data_root is '' so that mmengine does not join them to DATA_ROOT; the
# images come from DATA_ROOT through data_prefix.
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(type='CocoDataset', data_root='', metainfo=metainfo,
                 ann_file='<instance pseudo-label json of the pipeline>',
                 data_prefix=dict(img=data_root + '/JPEGImages/'),
                 filter_cfg=dict(filter_empty_gt=True, min_size=1), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='CocoDataset', data_root='', metainfo=metainfo,
                 ann_file='<VOC val ground-truth json of the pipeline>',
                 data_prefix=dict(img=data_root + '/JPEGImages/'), test_mode=True,
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric', ann_file='<VOC val ground-truth json of the pipeline>',
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
