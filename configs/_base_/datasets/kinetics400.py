# Kinetics-400 in mmaction2's video-list layout (mmaction2 tools/data/kinetics), shared by the
# configs of one benchmark. DATA_ROOT is the Kinetics-400 folder itself (the one holding
# kinetics400_{train,val}_list_videos.txt and videos_{train,val}/). A config inheriting this
# sets its own train_pipeline / val_pipeline / test_pipeline and puts them into the dataloaders
# (``train_dataloader = dict(dataset=dict(pipeline=train_pipeline))``), plus batch sizes.
data_root = '{{$DATA_ROOT:data/kinetics400}}'
# A config inheriting this may add imports to custom_imports, keeping this module listed (or
# import a package that imports it).
custom_imports = dict(imports=['cvshared.datasets.action'], allow_failed_imports=False)
dataset_type = 'KineticsVideoDataset'  # mmaction2 VideoDataset with errors naming the file
file_client_args = dict(io_backend='disk')
train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=f'{data_root}/kinetics400_train_list_videos.txt',
        data_prefix=dict(video=f'{data_root}/videos_train'),
        pipeline=[]))
val_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=f'{data_root}/kinetics400_val_list_videos.txt',
        data_prefix=dict(video=f'{data_root}/videos_val'),
        pipeline=[],
        test_mode=True))
test_dataloader = val_dataloader  # the val list; configs set each pipeline
val_evaluator = dict(type='AccMetric')
test_evaluator = val_evaluator
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
