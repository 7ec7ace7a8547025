# HMDB51 with the official 70/30 splits (cvshared.datasets.action.HMDB51Dataset). DATA_ROOT
# holds testTrainMulti_7030_splits/<class>_test_split<k>.txt and <class>/<video>.avi.
# split = 1; MotionSqueeze reports the average of splits 1-3 (one config per split: set
# hmdb51_split in a config and redefine the two datasets' `split`).
# Pipelines (tsn_video_pipelines.py): MotionSqueeze's main_kinetics.py recipe: 8 TSN-style
# segments, short side 256 (GroupScale(256)), multi-scale crop 224 (13 fixed positions),
# horizontal flip; test: short side 256, centre crop 224, 1 clip (16 frames: redefine them
# with num_clips=16).
_base_ = ['./tsn_video_pipelines.py']
custom_imports = dict(imports=['cvshared.datasets.action'], allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/hmdb51}}'
dataset_type = 'HMDB51Dataset'
hmdb51_split = 1
num_segments = 8  # the pipelines' (tsn_video_pipelines.py); a config changing it redefines them
train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split=hmdb51_split,
        subset='train',
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split=hmdb51_split,
        subset='test',
        pipeline={{_base_.val_pipeline}},
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='AccMetric', metric_list=('top_k_accuracy',),
                     metric_options=dict(top_k_accuracy=dict(topk=(1, 5))))
test_evaluator = val_evaluator
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
