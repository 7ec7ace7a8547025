# webvideo_wsss stage train_encoder (paper Sec. 3.1): ImageNet VGG-16 (torchvision weights via
# tools/model_converters/webvideo_wsss_official_to_ours.py) + GAP + linear classifier (CAM),
# multi-label logistic loss on the VOC 2012 train_aug image labels, 320 x 320 inputs
# (TransferNet's size). Schedule (SGD 1e-3, momentum 0.9, wd 5e-4, 20 epochs, batch 16) and the
# flip are decided by us (README, "taken from the paper" vs "decided by us").
# The same config drives the segment_videos stage (video_root, video_stage below).
_base_ = ['../_base_/runtime/mmseg.py']

custom_imports = dict(imports=['webvideo_wsss'], allow_failed_imports=False)
default_scope = 'mmseg'
# DATA_ROOT holds VOC2012/ (VOC 2012 + SBD) and webvideos/ (the crawled videos; README, Data)
data_root = '{{$DATA_ROOT:data/webvideo_wsss}}'
voc_root = data_root + '/VOC2012'
video_root = data_root + '/webvideos'
size = (320, 320)
preprocessor = dict(type='ImgDataPreprocessor', mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375], bgr_to_rgb=True)

model = dict(
    type='WebVideoEncoder',
    num_classes=20,
    bg_thres=0.2,
    data_preprocessor=preprocessor,
    backbone=dict(init_cfg=dict(type='Pretrained',
                                checkpoint='checkpoints/webvideo_wsss_vgg16_imagenet.pth')))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='WebVideoResize', size=size),
    dict(type='WebVideoRandomFlip', prob=0.5),
    dict(type='WebVideoPackInputs'),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='VOCWSSSDataset', data_root=voc_root,
                 ann_file='ImageSets/Segmentation/train_aug.txt',
                 data_prefix=dict(seg_map_path=''), pipeline=train_pipeline))
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=5e-4),
                     paramwise_cfg=dict(custom_keys={'classifier': dict(lr_mult=10.0)}))
max_epochs = 20
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=True, begin=0,
                        end=max_epochs, convert_to_iter_based=True)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
val_cfg = None
val_dataloader = None
val_evaluator = None

# test: the plain-CAM labels (the baseline) on VOC 2012 val with the ground-truth image labels
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadVOCSegAnnotation'),
    dict(type='WebVideoPackInputs'),
]
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='VOCWSSSDataset', data_root=voc_root,
                 ann_file='ImageSets/Segmentation/val.txt',
                 data_prefix=dict(seg_map_path='SegmentationClass'), pipeline=test_pipeline))
test_evaluator = dict(type='PseudoLabelIoUMetric', num_classes=21)
test_cfg = dict(type='TestLoop')

# the segment_videos stage (webvideo_wsss.pipeline.segment_videos): frame rejection threshold
# on sigma(s_l), the graph cut's parameters (webvideo_wsss.graphcut.segment_video, E1-E4; ours)
# and the CAM threshold of the baseline masks
video_stage = dict(
    frame_thres=0.5,
    cam_thres=0.5,
    frame_step=1,
    max_frames=None,
    pictures=4,  # <stage dir>/pictures/: frame | CAM | CAM >= t | graph cut (| true mask)
    graph_cfg=dict(n_segments=300, compactness=10.0, lam_loc=1.0, lam_app=1.0, lam_s=4.0,
                   lam_t=2.0, iterations=2, init_fg=0.3, init_bg=0.05, loc_clip=0.2))

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=max_epochs),
    visualization=dict(type='WebVideoVisualizationHook', draw=False, test_out_dir=None))
log_processor = dict(by_epoch=True)
