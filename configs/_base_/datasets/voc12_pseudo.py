# PASCAL VOC 2012 (+ SBD train_aug) for the final semantic stage of a WSSS pipeline (PSA, IRN):
# train on the pipeline's pseudo labels (cvshared.wsss.deeplab.VOCPseudoLabelDataset: the
# masks are <pseudo_label_dir>/<name>.png, an image without one is an error naming the file
# and the stage that writes it), validate / test on VOC val with the real SegmentationClass
# masks (mIoU, mmseg's IoUMetric). DATA_ROOT is the VOC2012 folder itself.
# A paper config sets the pseudo-label folder from its pipeline's stage inputs
# (cvshared.engine.stages), e.g. for a label stage named 'rw' of paper 'psa':
#   stage_inputs = dict(rw='work_dirs/reproduce/psa/rw')
#   train_dataloader = dict(dataset=dict(pseudo_label_dir=stage_inputs['rw'],
#                                        pseudo_stage='rw', paper='psa'))
custom_imports = dict(imports=['cvshared.wsss.deeplab', 'cvshared.datasets.voc'],
                      allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/VOCdevkit/VOC2012}}'
crop_size = (321, 321)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadVOCSegAnnotation'),  # ids 0..20 / 255 and the image's size checked
    dict(type='RandomResize', scale=(512, 512), ratio_range=(0.5, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [  # whole image at its own size, as deeplab-pytorch tests
    dict(type='LoadImageFromFile'),
    dict(type='LoadVOCSegAnnotation'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=10,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='VOCPseudoLabelDataset', data_root=data_root,
                 ann_file='ImageSets/Segmentation/train_aug.txt',
                 data_prefix=dict(img_path='JPEGImages'), pseudo_label_dir=None,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='VOCWSSSDataset', data_root=data_root,
                 ann_file='ImageSets/Segmentation/val.txt', with_image_labels=False,
                 data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
