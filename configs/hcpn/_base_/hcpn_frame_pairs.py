# Frame pairs of the official HGPU / HCPN layouts (cvshared.datasets.davis): frame k, frame
# k+1, the flow image between them (davis-flow/<seq>/<k>_<k+1>.png), the HED maps, the masks
# and HCPN's contour ground truth (Annotations_ctr). DATA_ROOT is the DAVIS folder itself:
#   <DATA_ROOT>/JPEGImages/480p, Annotations/480p, Annotations_ctr/480p, davis-flow,
#   davis-hed, ImageSets/2016/{train,val}.txt
data_root = '{{$DATA_ROOT:data/DAVIS}}'
crop_size = (512, 512)
meta_keys = ('img_path', 'img2_path', 'flow_path', 'seg_map_path', 'seg_map2_path', 'seq_name',
             'frame_index', 'frame_name', 'frame2_name', 'num_frames', 'is_last_pair',
             'ori_shape', 'img_shape', 'pad_shape', 'scale_factor', 'flip', 'flip_direction',
             'reduce_zero_label', 'pair_index', 'eval_frame_name', 'annotated')
# official loader: masks, contours and the HED hard-negative map at the original size
# (the map min-max rescaled to uint8 as scipy.misc.imresize does: bytescale=True), then
# everything resized to 512 x 512 (images bilinear, maps nearest), then a horizontal flip.
# contour2_from_frame1=False: the second frame gets ITS contour (the official loader reads
# frame 1's contour twice, a bug; True reproduces it).
train_pipeline = [
    dict(type='LoadFramePair'),
    dict(type='LoadFramePairAnnotations', with_hed=True, with_contour=True, bytescale=True,
         contour2_from_frame1=False),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackFramePairInputs', meta_keys=meta_keys),
]
# official test.py: slides over the pairs (0, 1), (1, 2), ... and writes both masks of each
# pair, the next pair overwriting frame k+1: frame t < n-1 keeps m1 of pair t, frame n-1 m2 of
# pair n-2. VOSFramePairEvalDataset has one sample per evaluated frame t with that pair and
# pair_index (0: m1, 1: m2), which HCPN.predict follows. Resize to 512 x 512; the prediction is
# resized back to the frame's size; the evaluated frame's mask is loaded after the resize so
# that J & F compare at the original size.
test_pipeline = [
    dict(type='LoadFramePair'),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='LoadEvalFrameMask'),
    dict(type='PackFramePairInputs', meta_keys=meta_keys),
]
davis_train = dict(type='DAVIS16FramePairDataset', data_root=data_root, split='train',
                   with_contour=True, pipeline=train_pipeline)
# DAVIS-16 val: every frame of each video (dense masks), one object per video
davis_val = dict(type='VOSFramePairEvalDataset', data_root=data_root,
                 ann_file='ImageSets/2016/val.txt', dense=True, single_object=True,
                 data_prefix=dict(img_path='JPEGImages/480p', seg_map_path='Annotations/480p',
                                  flow_path='davis-flow'),
                 pipeline=test_pipeline)
val_dataloader = dict(batch_size=1, num_workers=4, persistent_workers=True,
                      sampler=dict(type='DefaultSampler', shuffle=False), dataset=davis_val)
test_dataloader = val_dataloader
# every frame predicted; the first and last frame of each sequence dropped (DAVIS-16 protocol,
# the PyDavis16EvalToolbox / DAVIS Matlab code the official README points to)
val_evaluator = dict(type='DAVISJFMetric', bound_th=0.008, ignore_first_last=True)
test_evaluator = val_evaluator
