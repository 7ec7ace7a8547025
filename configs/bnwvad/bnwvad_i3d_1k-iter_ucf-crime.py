# BN-WVAD on UCF-Crime I3D RGB features (10 crops). The official repository releases only the
# XD-Violence setting; we keep its recipe unchanged (1,000 iterations of 64 + 64 single crop
# files, 200 segments, Adam 1e-4 / 5e-5, clip 1.0, seed 2022) and read the UCF layout
# (list/UCF_{Train,Test}.list, frame_label/gt-ucf.npy). Paper: AUC 87.24.
_base_ = ['./bnwvad_i3d_1k-iter_xd-violence.py']

data_root = '{{$DATA_ROOT:data/ucf-crime}}'
benchmark = 'ucf'

train_dataloader = dict(dataset=dict(data_root=data_root, benchmark=benchmark))
test_dataloader = dict(dataset=dict(data_root=data_root, benchmark=benchmark))
val_dataloader = test_dataloader
test_evaluator = dict(type='VideoAnomalyFrameMetric', metric=('AUC', 'AP', 'AUC_sub'),
                      snippet_to_frame='repeat', repeat=16)
val_evaluator = test_evaluator
