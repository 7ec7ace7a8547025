# DAVIS-2016 with one optical-flow image per frame (cvshared.datasets.davis), for the two-stream
# VOS papers (HFAN). DATA_ROOT is the DAVIS folder itself:
#   <DATA_ROOT>/JPEGImages/480p/<seq>/*.jpg, Annotations/480p/<seq>/*.png,
#   FlowImages/480p/<seq>/*.jpg, ImageSets/2016/{train,val}.txt
# Every geometric transform acts on the stacked H x W x 6 frame + flow array, so frame and
# flow are always resized / cropped / flipped together.
data_root = '{{$DATA_ROOT:data/DAVIS}}'
crop_size = (512, 512)
meta_keys = ('img_path', 'flow_path', 'seg_map_path', 'seq_name', 'frame_index', 'ori_shape',
             'img_shape', 'pad_shape', 'scale_factor', 'flip', 'flip_direction',
             'reduce_zero_label')
# official HFAN training augmentation (hfan.*.512x512.*.py)
train_pipeline = [
    dict(type='LoadFrameAndFlow'),
    dict(type='LoadBinaryMask'),
    dict(type='RandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PairPhotoMetricDistortion'),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]
# official single-scale test: MultiScaleFlipAug(img_scale=(2048, 512), flip=False) with
# Resize(keep_ratio) + ResizeToMultiple(32)
test_scale = (2048, 512)
test_pipeline = [
    dict(type='LoadFrameAndFlow'),
    dict(type='Resize', scale=test_scale, keep_ratio=True),
    dict(type='ResizeToMultiple', size_divisor=32),
    dict(type='LoadBinaryMask'),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]
# official multi-scale + flip test (tools/test.py --aug-test: img_ratios 0.75 / 1.0 / 1.75 of
# img_scale, flip=True); ours: tools/test.py --tta (mmseg's SegTTAModel averages the softmax
# of the 6 views after undoing each view's resize and flip, as the official aug_test does)
tta_ratios = (0.75, 1.0, 1.75)
tta_pipeline = [
    dict(type='LoadFrameAndFlow'),
    dict(type='TestTimeAug', transforms=[
        [dict(type='Resize', scale=(int(test_scale[0] * r), int(test_scale[1] * r)),
              keep_ratio=True) for r in tta_ratios],
        [dict(type='ResizeToMultiple', size_divisor=32)],
        [dict(type='RandomFlip', prob=0., direction='horizontal'),
         dict(type='RandomFlip', prob=1., direction='horizontal')],
        [dict(type='LoadBinaryMask')],
        [dict(type='PackSegInputs', meta_keys=meta_keys)]]),
]
davis_train = dict(type='DAVIS2016FrameFlowDataset', data_root=data_root,
                   ann_file='ImageSets/2016/train.txt', pipeline=train_pipeline)
davis_val = dict(type='DAVIS2016FrameFlowDataset', data_root=data_root,
                 ann_file='ImageSets/2016/val.txt', pipeline=test_pipeline)
val_dataloader = dict(batch_size=1, num_workers=4, persistent_workers=True,
                      sampler=dict(type='DefaultSampler', shuffle=False), dataset=davis_val)
test_dataloader = val_dataloader
val_evaluator = dict(type='DAVISJFMetric', bound_th=0.008, ignore_first_last=True)
test_evaluator = val_evaluator
