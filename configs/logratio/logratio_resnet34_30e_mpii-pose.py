# Log-ratio loss + dense triplet mining on the human-pose retrieval set (official README
# command: resnet34, d = 128, sgd lr 0.01, lr-decay 1e-4, batch-size 150, num-NN 5, 30 epochs).
_base_ = ['../_base_/runtime/mmpretrain.py']

custom_imports = dict(imports=['logratio'], allow_failed_imports=False)
default_scope = 'mmpretrain'
data_root = '{{$DATA_ROOT:data/mpii-pose}}'   # the unzipped official `fullbody` folder
size_input, size_crop = 288, 224
num_query = 1919

model = dict(
    type='LogratioRetriever',
    # official: BGR, x * 255 - (103.939, 116.779, 123.68), std 1 (caffe style)
    data_preprocessor=dict(type='ImgDataPreprocessor', mean=[103.939, 116.779, 123.68],
                           std=[1.0, 1.0, 1.0], bgr_to_rgb=False),
    backbone=dict(
        type='ResNet', depth=34, out_indices=(3, ),
        # torchvision's ImageNet resnet34 file (the official `resnet34(pretrained=True)`)
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/resnet34-b627a593.pth')),
    in_channels=512,
    embed_dim=128,
    normalize=False,
    loss=dict(type='LogRatioLoss', squared=False))

train_pipeline = [
    dict(type='LoadImageFromFile', imdecode_backend='pillow'),   # PIL decoding, as the official
    dict(type='PoseTranslation', size_input=size_input, size_crop=size_crop, jitter=True),
    dict(type='PosePackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', imdecode_backend='pillow'),   # PIL decoding, as the official
    dict(type='PoseTranslation', size_input=size_input, size_crop=size_crop, jitter=False),
    dict(type='PosePackInputs'),
]
train_dataloader = dict(
    batch_size=1,   # one mined minibatch of `batch_size` images per step, as officially
    num_workers=8,
    persistent_workers=False,   # the workers see each epoch's new mining
    sampler=dict(type='MinedEpochSampler', shuffle=True),
    collate_fn=dict(type='dense_triplet_collate'),
    dataset=dict(type='DenseTripletDataset', num_nn=5, batch_size=150, mode='dense',
                 flip_prob=0.5,
                 dataset=dict(type='PoseRetrievalDataset', data_root=data_root, split='train',
                              pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=50,
    num_workers=8,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='PoseRetrievalDataset', data_root=data_root, split='val',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='PoseRetrievalMetric', data_root=data_root, num_query=num_query,
                     dist_scale=224 / 288)
test_evaluator = val_evaluator

optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4))
param_scheduler = [dict(type='InverseTimeLR', decay=1e-4, by_epoch=False)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=5),
    visualization=dict(type='LogratioVisualizationHook', draw=False, test_out_dir=None,
                       data_root=data_root, num_query=num_query, topk=8, num_grids=8))
log_processor = dict(by_epoch=True)
