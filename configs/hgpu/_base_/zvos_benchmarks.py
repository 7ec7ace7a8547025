# The other test benchmarks of HGPU's main table (cvshared.datasets.davis frame-pair evaluation
# sets: one sample per evaluated frame, predicted from the pair the official test script would
# use: pair t, or the second mask of pair n - 2 for the last frame), 512 x 512 as DAVIS-16.
# Root: DATA_ROOT of each test config = its benchmark's folder (make reproduce reads them from
# YTOBJ_ROOT, LONGVIDEOS_ROOT, DAVIS17_ROOT: hgpu.paper.benchmark_test_stage).
#   YouTube-Objects: <root>/{JPEGImages,Annotations,flow}/<category>/<video>/...
#   Long-Videos:     <root>/{JPEGImages,Annotations,flow}/<video>/...
#   DAVIS-17 (unsupervised): <root>/{JPEGImages/480p,Annotations_unsupervised/480p,
#                    davis-flow}/<video>/..., <root>/ImageSets/2017/val.txt
# (flow: n - 1 images <frame k>_<frame k+1>.png per video, as davis-flow)
bench_size = (512, 512)
bench_test_pipeline = [
    dict(type='LoadFramePair'),
    dict(type='Resize', scale=bench_size, keep_ratio=False),
    dict(type='LoadEvalFrameMask', binary=True),
    dict(type='PackFramePairInputs'),
]
# DAVIS-17: the instance ids (palette indices, 255 void) kept for the instance protocol
davis17_test_pipeline = [
    dict(type='LoadFramePair'),
    dict(type='Resize', scale=bench_size, keep_ratio=False),
    dict(type='LoadEvalFrameMask', binary=False),
    dict(type='PackFramePairInputs'),
]
youtube_objects_test = dict(_delete_=True, type='YouTubeObjectsFramePairDataset',
                            data_root='{{$DATA_ROOT:data/YouTube-Objects}}',
                            pipeline=bench_test_pipeline)
long_videos_test = dict(_delete_=True, type='LongVideosFramePairDataset',
                        data_root='{{$DATA_ROOT:data/Long-Videos}}',
                        pipeline=bench_test_pipeline)
davis17_test = dict(_delete_=True, type='DAVIS17UnsupervisedFramePairDataset', split='val',
                    data_root='{{$DATA_ROOT:data/DAVIS-2017-Unsupervised}}',
                    pipeline=davis17_test_pipeline)
# sparse sets: every annotated frame is scored (no first / last frame dropped); YouTube-Objects
# is the mean over its categories (the README's "average 10 category levels")
youtube_objects_evaluator = dict(type='DAVISJFMetric', bound_th=0.008, ignore_first_last=False,
                                 group_depth=1)
long_videos_evaluator = dict(type='DAVISJFMetric', bound_th=0.008, ignore_first_last=False)
# DAVIS-17 unsupervised, every frame (the DAVIS-2017 evaluation drops the first and last frame
# in its semi-supervised task only): 'davis17/...' = the official instance protocol (davis2017-
# evaluation task='unsupervised': HGPU's one foreground mask is one proposal, matched to one
# object; the other objects score an empty mask); 'davis17_union/...' = the mask against the
# union of the objects (README, Differences)
davis17_evaluator = [
    dict(type='DAVIS17UnsupervisedMetric', bound_th=0.008, prefix='davis17'),
    dict(type='DAVISJFMetric', bound_th=0.008, ignore_first_last=False, prefix='davis17_union'),
]
