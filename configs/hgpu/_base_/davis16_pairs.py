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
# official test: resize to 512 x 512, predict, resize the mask back to the frame size; the
# ground truth is the evaluated frame's mask (LoadEvalFrameMask, at the frame size)
test_pipeline = [
    dict(type='LoadFramePair'),
    dict(type='Resize', scale=img_size, keep_ratio=False),
    dict(type='LoadEvalFrameMask'),
    dict(type='PackFramePairInputs'),
]
# official use_flip: the mean of the plain and the horizontally flipped pass
# (tools/test.py --tta; HGPUTTAModel averages the two mask probabilities)
tta_pipeline = [
    dict(type='LoadFramePair'),
    dict(type='TestTimeAug', transforms=[
        [dict(type='Resize', scale=img_size, keep_ratio=False)],
        [dict(type='RandomFlip', prob=0., direction='horizontal'),
         dict(type='RandomFlip', prob=1., direction='horizontal')],
        [dict(type='LoadEvalFrameMask')],
        [dict(type='PackFramePairInputs')]]),
]
davis_train = dict(type='DAVIS16FramePairDataset', data_root=data_root, split='train',
                   pipeline=train_pipeline)
# evaluation: one sample per frame t of each val video, predicted as the official test script
# writes it (test_HGPU.py saves both masks of every pair, the next pair overwriting frame
# k + 1): frame t < n - 1 by pair t's first mask, frame n - 1 by pair n - 2's second
# (pair_index 1, HGPUHead.predict_frame); DAVIS then scores frames 1 .. n - 2
davis_val = dict(type='VOSFramePairEvalDataset', data_root=data_root,
                 ann_file='ImageSets/2016/val.txt', dense=True, single_object=True,
                 data_prefix=dict(img_path='JPEGImages/480p', seg_map_path='Annotations/480p',
                                  flow_path='davis-flow'),
                 pipeline=test_pipeline)
train_dataloader = dict(batch_size=5, num_workers=8, persistent_workers=True, drop_last=True,
                        sampler=dict(type='DefaultSampler', shuffle=True), dataset=davis_train)
val_dataloader = dict(batch_size=1, num_workers=4, persistent_workers=True,
                      sampler=dict(type='DefaultSampler', shuffle=False), dataset=davis_val)
test_dataloader = val_dataloader
# n samples per video (frames 0 .. n - 1); DAVIS-2016 drops each video's first and last frame
# (the DAVIS toolbox / PyDavis16EvalToolbox the official README points to)
val_evaluator = dict(type='DAVISJFMetric', bound_th=0.008, ignore_first_last=True)
test_evaluator = val_evaluator
