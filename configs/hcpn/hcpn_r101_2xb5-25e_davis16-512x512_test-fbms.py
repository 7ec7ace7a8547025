# HCPN (the DAVIS-16 model: hcpn_r101_2xb5-25e_davis16-512x512.py) tested on FBMS (the 30 test
# videos), as in the paper's main table (official README: mean J 78.3; flip test + dense CRF:
# --cfg-options model.crf=True).
#   FBMS_ROOT/JPEGImages/<video>/*.jpg
#   FBMS_ROOT/Annotations/<video>/*.png    (annotated frames only, named like their frames;
#                                           convert the release's GroundTruth files, > 0 = object)
#   FBMS_ROOT/flow/<video>/<k>_<k+1>.png   (n - 1 flow images per video)
# No official FBMS script: frames predicted as the official DAVIS test does (m1 of pair t, the
# last frame m2 of pair n-2), the annotated frames scored, none dropped, mean over videos.
_base_ = ['./hcpn_r101_2xb5-25e_davis16-512x512.py']
fbms_root = '{{$FBMS_ROOT:data/FBMS}}'
test_dataloader = dict(
    batch_size=1, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_delete_=True, type='FBMSFramePairDataset', data_root=fbms_root,
                 pipeline={{_base_.test_pipeline}}))
test_evaluator = dict(type='DAVISJFMetric', bound_th=0.008, ignore_first_last=False,
                      prefix='fbms')
