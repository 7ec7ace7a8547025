# The synthetic model (hgpu_r18_1xb4-300it_synthetic.py) tested on the synthetic val videos in
# the Long-Videos layout (hgpu.paper.write_benchmark_layouts: <data_root>/long_videos, every
# third frame and the last one annotated); single scale, no CRF.
_base_ = ['./hgpu_r18_1xb4-300it_synthetic.py']
data_root = '{{$DATA_ROOT:data/synthetic/hgpu}}'
test_dataloader = dict(dataset=dict(
    _delete_=True, type='LongVideosFramePairDataset', data_root=data_root + '/long_videos',
    pipeline={{_base_.test_pipeline}}))
test_evaluator = dict(type='DAVISJFMetric', bound_th=0.008, ignore_first_last=False)
