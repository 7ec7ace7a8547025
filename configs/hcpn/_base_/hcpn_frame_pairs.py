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
             'reduce_zero_label')
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
# official test.py: resize to 512 x 512, the prediction resized back to the frame's size; the
# masks are loaded after the resize so that J & F compare at the original size
test_pipeline = [
    dict(type='LoadFramePair'),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='LoadFramePairAnnotations', with_hed=False, with_contour=False),
    dict(type='PackFramePairInputs', meta_keys=meta_keys),
]
davis_train = dict(type='DAVIS16FramePairDataset', data_root=data_root, split='train',
                   with_contour=True, pipeline=train_pipeline)
davis_val = dict(type='DAVIS16FramePairDataset', data_root=data_root, split='val',
                 pipeline=test_pipeline)
val_dataloader = dict(batch_size=1, num_workers=4, persistent_workers=True,
                      sampler=dict(type='DefaultSampler', shuffle=False), dataset=davis_val)
test_dataloader = val_dataloader
# one prediction per pair (frame k = m1, as the official test keeps), first and last frame of
# each sequence dropped (DAVIS-16 protocol)
val_evaluator = dict(type='DAVISJFMetric', bound_th=0.008, ignore_first_last=True)
test_evaluator = val_evaluator
