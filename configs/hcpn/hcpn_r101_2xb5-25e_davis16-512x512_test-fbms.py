# HCPN (the DAVIS-16 model: hcpn_r101_2xb5-25e_davis16-512x512.py) tested on FBMS (the 30 test
# videos), as in the paper's main table (official README: mean J 78.3; flip test + dense CRF:
# --cfg-options model.crf=True).
#   DATA_ROOT/JPEGImages/<video>/*.jpg
#   DATA_ROOT/Annotations/<video>/*.png    (annotated frames only, named like their frames;
#                                           convert the release's GroundTruth files, > 0 = object)
#   DATA_ROOT/flow/<video>/<k>_<k+1>.png   (n - 1 flow images per video)
# No official FBMS script: frames predicted as the official DAVIS test does (m1 of pair t, the
# last frame m2 of pair n-2), the annotated frames scored, none dropped, mean over videos.
_base_ = ['./hcpn_r101_2xb5-25e_davis16-512x512.py']
# DATA_ROOT is this benchmark's folder (the test set); the DAVIS-16 model it tests is trained
# and validated on DAVIS-16 at DAVIS_ROOT (make reproduce CATEGORY=r101_...: both set)
fbms_root = '{{$DATA_ROOT:data/FBMS}}'
davis_root = '{{$DAVIS_ROOT:data/DAVIS}}'
train_dataloader = dict(dataset=dict(data_root=davis_root))
val_dataloader = dict(dataset=dict(data_root=davis_root))
test_dataloader = dict(
    batch_size=1, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_delete_=True, type='FBMSFramePairDataset', data_root=fbms_root,
                 pipeline={{_base_.test_pipeline}}))
test_evaluator = dict(type='DAVISJFMetric', bound_th=0.008, ignore_first_last=False,
                      prefix='fbms')
