# AD-CAM stage train_cam: the Conformer-S CAM net (TransCAM's two heads) on VOC 2012 train_aug
# (SBD) with image-level labels. The recipe is TransCAM's train_TransCAM.py (AD-CAM's training
# details could not be read, README): batch 8, crop 512, 20 epochs, AdamW lr 5e-5, weight
# decay 5e-4, multilabel soft-margin loss of conv + trans logits; ImageNet Conformer-S weights.
_base_ = ['../_base_/runtime/mmseg.py']

custom_imports = dict(imports=['adcam'], allow_failed_imports=False)
default_scope = 'mmseg'
data_root = '{{$DATA_ROOT:data/VOCdevkit/VOC2012}}'
crop_size = 512
preprocessor = dict(type='ImgDataPreprocessor', mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375], bgr_to_rgb=True)

model = dict(
    type='AdcamCAMNet',
    num_classes=20,
    method='adcam',
    data_preprocessor=preprocessor,
    backbone=dict(
        type='AdcamConformer', arch='small', drop_path_rate=0.1, norm_eval=False,
        # mmpretrain's Conformer-S ImageNet-1k checkpoint (conformer-small-p16_3rdparty_8xb128_
        # in1k), or the official Conformer_small_patch16.pth converted with
        # tools/model_converters/adcam_official_to_ours.py (README, Commands)
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/conformer-small-p16_in1k.pth',
                      prefix='backbone.')))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResize', scale=(crop_size, crop_size), ratio_range=(448 / 512, 768 / 512),
         keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='RandomCrop', crop_size=(crop_size, crop_size)),
    dict(type='Pad', size=(crop_size, crop_size), pad_val=dict(img=0)),
    dict(type='AdcamPackInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='VOCWSSSDataset', data_root=data_root,
                 ann_file='ImageSets/Segmentation/train_aug.txt',
                 data_prefix=dict(seg_map_path=''), pipeline=train_pipeline))

optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='AdamW', lr=5e-5, weight_decay=5e-4, eps=1e-8))
max_epochs = 20
param_scheduler = []
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
val_cfg = None
val_dataloader = None
val_evaluator = None

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=5),
    visualization=dict(type='AdcamVisualizationHook', draw=False, test_out_dir=None))
log_processor = dict(by_epoch=True)

# test: single-scale AD-CAM pseudo labels on VOC 2012 train (the make_pseudo_labels stage is
# multi-scale + flip and scores all three methods)
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadVOCSegAnnotation'),
    dict(type='AdcamPackInputs'),
]
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='VOCWSSSDataset', data_root=data_root,
                 ann_file='ImageSets/Segmentation/train.txt',
                 data_prefix=dict(seg_map_path='SegmentationClass'), pipeline=test_pipeline))
test_evaluator = dict(type='PseudoLabelIoUMetric', num_classes=21)
test_cfg = dict(type='TestLoop')

# the make_pseudo_labels stage (adcam.pipeline.make_pseudo_labels_stage): TransCAM's
# infer_TransCAM.py scales (VOC12ClsDatasetMSF: 1.0, 0.5, 1.5, 2.0) + flip, on VOC 2012
# train_aug (the DeepLab stage's training set), scored on its VOC train images; its background
# score is the one labels are written at (TransCAM's CRF inputs use 0.6 / 0.25; AD-CAM's is
# unknown); the mIoU is also reported at each method's best score of BG_SWEEP
cam_scales = (1.0, 0.5, 1.5, 2.0)
label_list = 'ImageSets/Segmentation/train_aug.txt'
label_bg = 0.4
