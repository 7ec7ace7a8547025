# The synthetic model (hgpu_r18_1xb4-300it_synthetic.py) tested on the synthetic val videos in
# the DAVIS-17 unsupervised layout (hgpu.paper.write_benchmark_layouts: <data_root>/davis17,
# palette instance masks of one object), scored as hgpu_r101_flip-crf_davis17-val-512x512.py
# (the DAVIS-2017 unsupervised evaluation and the union of the objects); single scale, no CRF.
_base_ = ['./hgpu_r18_1xb4-300it_synthetic.py']
data_root = '{{$DATA_ROOT:data/synthetic/hgpu}}'
test_dataloader = dict(dataset=dict(
    _delete_=True, type='DAVIS17UnsupervisedFramePairDataset', split='val',
    data_root=data_root + '/davis17', pipeline=[
        dict(type='LoadFramePair'),
        dict(type='Resize', scale={{_base_.img_size}}, keep_ratio=False),
        dict(type='LoadEvalFrameMask', binary=False),
        dict(type='PackFramePairInputs'),
    ]))
test_evaluator = [
    dict(type='DAVIS17UnsupervisedMetric', bound_th=0.008, prefix='davis17'),
    dict(type='DAVISJFMetric', bound_th=0.008, ignore_first_last=False, prefix='davis17_union'),
]
