# IRN train_maskrcnn / test_maskrcnn on the synthetic VOC-layout set: mmdet's Mask R-CNN with a
# tiny ResNet-18 (base width 8) + FPN of 32 channels, from scratch, 2 epochs on the
# make_ins_seg_labels json at 128 px, tested on the synthetic val json (CocoMetric, segm).
_base_ = ['./irn-mask-rcnn_r50_fpn_1xb2-12e_voc12aug.py']

data_root = '{{$DATA_ROOT:data/synthetic/irn}}'
model = dict(
    backbone=dict(depth=18, base_channels=8, stem_channels=8, frozen_stages=-1,
                  norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[8, 16, 32, 64], out_channels=32),
    rpn_head=dict(in_channels=32, feat_channels=32),
    roi_head=dict(bbox_roi_extractor=dict(out_channels=32),
                  bbox_head=dict(in_channels=32, fc_out_channels=64),
                  mask_roi_extractor=dict(out_channels=32),
                  mask_head=dict(in_channels=32, conv_out_channels=32)))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=(128, 128), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 128), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(num_workers=0, persistent_workers=False,
                        dataset=dict(data_prefix=dict(img=data_root + '/JPEGImages/'),
                                     pipeline=train_pipeline))
val_dataloader = dict(num_workers=0, persistent_workers=False,
                      dataset=dict(data_prefix=dict(img=data_root + '/JPEGImages/'),
                                   pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=0.01))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=2, by_epoch=True, milestones=[1],
                        gamma=0.1)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2, val_interval=2)
