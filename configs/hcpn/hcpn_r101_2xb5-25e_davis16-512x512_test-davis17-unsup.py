# HCPN (the DAVIS-16 model: hcpn_r101_2xb5-25e_davis16-512x512.py) tested on DAVIS-2017
# unsupervised val, as in the paper's main table (official README: J&F 70.7, J 68.7, F 72.7;
# flip test + dense CRF: --cfg-options model.crf=True).
#   DATA_ROOT/JPEGImages/480p/<video>/*.jpg
#   DATA_ROOT/Annotations_unsupervised/480p/<video>/*.png  (dense, instance ids)
#   DATA_ROOT/davis-flow/<video>/<k>_<k+1>.png
#   DATA_ROOT/ImageSets/2017/val.txt
# HCPN predicts ONE foreground mask per frame and the official code has no DAVIS-17 script.
# davis17/...: the DAVIS-2017 unsupervised evaluation (davis2017-evaluation task='unsupervised',
# cvshared DAVIS17UnsupervisedMetric): the mask is one proposal, matched to one object, the
# other objects score an empty mask; every frame. davis17_union/...: the mask against the union
# of the annotated objects, J / F per video then the mean over videos (packages/hcpn/README.md,
# Differences).
_base_ = ['./hcpn_r101_2xb5-25e_davis16-512x512.py']
# DATA_ROOT is this benchmark's folder (the test set); the DAVIS-16 model it tests is trained
# and validated on DAVIS-16 at DAVIS_ROOT (make reproduce CATEGORY=r101_...: both set)
davis17_root = '{{$DATA_ROOT:data/DAVIS-2017-Unsupervised}}'
davis_root = '{{$DAVIS_ROOT:data/DAVIS}}'
train_dataloader = dict(dataset=dict(data_root=davis_root))
val_dataloader = dict(dataset=dict(data_root=davis_root))
test_dataloader = dict(
    batch_size=1, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_delete_=True, type='DAVIS17UnsupervisedFramePairDataset',
                 data_root=davis17_root, split='val', pipeline=[
                     dict(type='LoadFramePair'),
                     dict(type='Resize', scale={{_base_.crop_size}}, keep_ratio=False),
                     dict(type='LoadEvalFrameMask', binary=False),   # instance ids, 255 void
                     dict(type='PackFramePairInputs', meta_keys={{_base_.meta_keys}}),
                 ]))
test_evaluator = [
    dict(type='DAVIS17UnsupervisedMetric', bound_th=0.008, prefix='davis17'),
    dict(type='DAVISJFMetric', bound_th=0.008, ignore_first_last=False, prefix='davis17_union'),
]
