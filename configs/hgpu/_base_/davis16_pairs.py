# DAVIS-2016 frame pairs in the official HGPU layout (cvshared.datasets.davis
# DAVIS16FramePairDataset): DATA_ROOT is the DAVIS folder with the official extras:
#   JPEGImages/480p/<seq>/*.jpg, Annotations/480p/<seq>/*.png, ImageSets/2016/{train,val}.txt,
#   davis-flow/<seq>/<k>_<k+1>.png (n - 1 flow images), davis-hed/<seq>/*.jpg (HED maps)
# One sample = frames k, k + 1 and their flow image (H x W x 9, RGB), both masks, the
# hard-negative maps of both frames (computed before the resize, as the official loader).
data_root = '{{$DATA_ROOT:data/DAVIS}}'
img_size = (512, 512)
# official: imresize to 512 x 512 (no aspect ratio kept), horizontal flip, rotation +-10 deg
# (ScaleNRotate; its 0.75-1.25 zoom is not reproduced: see the README)
train_pipeline = [
    dict(type='LoadFramePair'),
    dict(type='LoadFramePairAnnotations', with_hed=True),
    dict(type='Resize', scale=img_size, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomRotate', prob=1.0, degree=10, pad_val=0, seg_pad_val=0),
    dict(type='PackFramePairInputs'),
]
# official test: resize to 512 x 512, predict, resize the mask back to the frame size
test_pipeline = [
    dict(type='LoadFramePair'),
    dict(type='Resize', scale=img_size, keep_ratio=False),
    dict(type='LoadFramePairAnnotations', with_hed=False),
    dict(type='PackFramePairInputs'),
]
# official use_flip: the mean of the plain and the horizontally flipped pass
# (tools/test.py --tta; SegTTAModel averages sigmoid(logit) = the mask probabilities)
tta_pipeline = [
    dict(type='LoadFramePair'),
    dict(type='TestTimeAug', transforms=[
        [dict(type='Resize', scale=img_size, keep_ratio=False)],
        [dict(type='RandomFlip', prob=0., direction='horizontal'),
         dict(type='RandomFlip', prob=1., direction='horizontal')],
        [dict(type='LoadFramePairAnnotations', with_hed=False)],
        [dict(type='PackFramePairInputs')]]),
]
davis_train = dict(type='DAVIS16FramePairDataset', data_root=data_root, split='train',
                   pipeline=train_pipeline)
davis_val = dict(type='DAVIS16FramePairDataset', data_root=data_root, split='val',
                 pipeline=test_pipeline)
train_dataloader = dict(batch_size=5, num_workers=8, persistent_workers=True, drop_last=True,
                        sampler=dict(type='DefaultSampler', shuffle=True), dataset=davis_train)
val_dataloader = dict(batch_size=1, num_workers=4, persistent_workers=True,
                      sampler=dict(type='DefaultSampler', shuffle=False), dataset=davis_val)
test_dataloader = val_dataloader
# frame k of every pair k (n - 1 per video) is evaluated; DAVIS drops each video's first and
# last evaluated frame
val_evaluator = dict(type='DAVISJFMetric', bound_th=0.008, ignore_first_last=True)
test_evaluator = val_evaluator
