# HCPN (the DAVIS-16 model: hcpn_r101_2xb5-25e_davis16-512x512.py) tested on YouTube-Objects,
# as in the paper's main table (official README: mean 73.3 over the 10 categories, airplane
# 84.5 ... train 59.7, i.e. J-Mean; flip test + dense CRF: --cfg-options model.crf=True).
#   DATA_ROOT/JPEGImages/<category>/<video>/*.jpg
#   DATA_ROOT/Annotations/<category>/<video>/*.png   (the annotated frames only)
#   DATA_ROOT/flow/<category>/<video>/<k>_<k+1>.png  (n - 1 flow images per video)
# The official repositories ship no YouTube-Objects script or lists (only result masks): the
# frames are predicted as the official DAVIS test does (frame t < n-1 from m1 of pair t, the
# last frame from m2 of pair n-2), only the annotated frames are scored, every frame counts
# (no first / last frame drop), per-category means then their mean (group_depth=1).
_base_ = ['./hcpn_r101_2xb5-25e_davis16-512x512.py']
# DATA_ROOT is this benchmark's folder (the test set); the DAVIS-16 model it tests is trained
# and validated on DAVIS-16 at DAVIS_ROOT (make reproduce CATEGORY=r101_...: both set)
yto_root = '{{$DATA_ROOT:data/YouTube-Objects}}'
davis_root = '{{$DAVIS_ROOT:data/DAVIS}}'
train_dataloader = dict(dataset=dict(data_root=davis_root))
val_dataloader = dict(dataset=dict(data_root=davis_root))
test_dataloader = dict(
    batch_size=1, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_delete_=True, type='YouTubeObjectsFramePairDataset', data_root=yto_root,
                 pipeline={{_base_.test_pipeline}}))
test_evaluator = dict(type='DAVISJFMetric', bound_th=0.008, ignore_first_last=False,
                      group_depth=1, prefix='youtube_objects')
