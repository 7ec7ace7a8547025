# UMIL's shared setting (configs/ucf/32_5.yaml + main_umil.py defaults): X-CLIP ViT-B/32 on
# 16 clips x 5 frames (interval 6) per video, weak + strong views, MIL every epoch, the score
# history from epoch umil_epoch - 5, the UMIL step from umil_epoch; AdamW 8e-6 (0.9, 0.98),
# wd 1e-3, 5 warm-up epochs then cosine to lr / 100, 40 epochs. Benchmarks set data_root,
# the two lists and the class names.
_base_ = ['../../_base_/runtime/mmaction.py']

custom_imports = dict(imports=['umil'], allow_failed_imports=False)
default_scope = 'mmaction'

size = 224
clip_len, frame_interval, num_clips = 5, 6, 16
epochs, umil_epoch, warmup = 40, 30, 5
lr = 8e-6
batch_size, accumulation, batch_size_umil = 2, 8, 4

model = dict(
    type='UMILRecognizer',
    clip_len=clip_len,
    threshold=0.8, cluster_threshold=0.8, cosine_threshold=0.7, w_cls=0.0,
    data_preprocessor=dict(type='UMILDataPreprocessor'),
    backbone=dict(
        type='UMILXCLIP', num_frames=clip_len,   # ViT-B/32 defaults, T = 5
        # X-CLIP K400 ViT-B/32 8-frame weights, converted by tools/model_converters/
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/k400_32_8.pth')))

train_pipeline = [
    dict(type='SampleFrames', clip_len=clip_len, frame_interval=frame_interval,
         num_clips=num_clips),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, int(256 / 224 * size))),
    dict(type='UMILWeakStrongViews', size=size, clip_len=clip_len),
    dict(type='UMILPackInputs', clip_len=clip_len),
]
test_pipeline = [
    dict(type='SampleFrames', clip_len=clip_len, frame_interval=frame_interval,
         num_clips=num_clips, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, int(256 / 224 * size))),
    dict(type='CenterCrop', crop_size=size),
    dict(type='UMILPackInputs', clip_len=clip_len),
]
score_pipeline = [
    dict(type='UMILSegmentClips', clip_len=clip_len, frame_interval=frame_interval,
         seg_len=clip_len * frame_interval),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, int(256 / 224 * size))),
    dict(type='CenterCrop', crop_size=size),
    dict(type='UMILPackInputs', clip_len=clip_len),
]
data_root = 'data/ucf-crime'
train_list, test_list = 'labels/UCF_train.txt', 'labels/UCF_test.txt'
train_set = dict(type='VideoAnomalyRawFrameDataset', data_root=data_root, ann_file=train_list,
                 split='train')
test_set = dict(type='VideoAnomalyRawFrameDataset', data_root=data_root, ann_file=test_list,
                split='test', zero_start='official', pipeline=test_pipeline)

train_dataloader = dict(
    batch_size=batch_size, num_workers=4, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True), collate_fn=dict(type='pseudo_collate'),
    dataset=dict(train_set, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=2, num_workers=4, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False), collate_fn=dict(type='pseudo_collate'),
    dataset=test_set)
test_dataloader = val_dataloader
val_evaluator = dict(type='VideoAnomalyFrameMetric', metric=('AUC', 'AUC_sub'),
                     snippet_to_frame='ratio', smooth_segments=32)
test_evaluator = val_evaluator

train_cfg = dict(
    type='UMILTrainLoop', max_epochs=epochs, umil_epoch=umil_epoch, confidence=0.3,
    val_interval=1,
    score_dataloader=dict(
        batch_size=1, num_workers=4, persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='pseudo_collate'),
        dataset=dict(train_set, pipeline=score_pipeline)),
    umil_dataloader=dict(
        batch_size=batch_size_umil, num_workers=4, persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=True),
        collate_fn=dict(type='pseudo_collate'),
        dataset=dict(train_set, pipeline=train_pipeline)))
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

adamw = dict(type='AdamW', lr=lr, betas=(0.9, 0.98), eps=1e-8, weight_decay=1e-3)
optim_wrapper = dict(
    constructor='UMILOptimWrapperConstructor',
    # the paper's intent: the UMIL step trains both heads; 'official' = the released filter,
    # which matches no parameter (README, Differences)
    umil_params=('head_video', 'u_head_video'),
    mil=dict(type='OptimWrapper', optimizer=adamw, accumulative_counts=accumulation),
    umil=dict(type='OptimWrapper', optimizer=adamw, accumulative_counts=accumulation))


def _schedule(lr):
    return [dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=warmup,
                 convert_to_iter_based=True),
            dict(type='CosineAnnealingLR', T_max=epochs - warmup, eta_min=lr / 100,
                 by_epoch=True, begin=warmup, end=epochs, convert_to_iter_based=True)]


param_scheduler = dict(mil=_schedule(lr), umil=_schedule(lr))
del _schedule

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    # the last checkpoint is the result (the official keeps the best epoch on the test set)
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1, max_keep_ckpts=1,
                    save_best=None, save_last=True),
    visualization=dict(type='UmilVisualizationHook', draw=False, test_out_dir=None))
log_processor = dict(by_epoch=True)
