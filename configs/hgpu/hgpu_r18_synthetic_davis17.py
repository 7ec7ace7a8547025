# The synthetic model (hgpu_r18_1xb4-300it_synthetic.py) tested on the synthetic val videos in
# the DAVIS-17 unsupervised layout (hgpu.paper.write_benchmark_layouts: <data_root>/davis17,
# palette instance masks, instances merged into the foreground as in
# hgpu_r101_flip-crf_davis17-val-512x512.py); single scale, no CRF.
_base_ = ['./hgpu_r18_1xb4-300it_synthetic.py']
data_root = '{{$DATA_ROOT:data/synthetic/hgpu}}'
test_dataloader = dict(dataset=dict(
    _delete_=True, type='DAVIS17UnsupervisedFramePairDataset', split='val',
    data_root=data_root + '/davis17', pipeline={{_base_.test_pipeline}}))
test_evaluator = dict(type='DAVISJFMetric', bound_th=0.008, ignore_first_last=True)
