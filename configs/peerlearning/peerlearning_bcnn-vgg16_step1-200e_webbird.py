# Peer-learning, B-CNN (VGG-16) peers, step 1 of the WebFG-496 two-step schedule (fc only,
# backbone frozen) on web-bird; clean test set: CUB-200-2011 test split.
# Official: Web496_train.sh step 1 (--base_lr 1e-3 --batch_size 64 --epoch 200 --drop_rate 0.35
# --T_k 10 --weight_decay 1e-8). DATA_ROOT = the extracted web-bird folder (train/, val/).
_base_ = ['../_base_/runtime/mmpretrain.py']

custom_imports = dict(
    imports=['peerlearning', 'cvshared.engine.optim', 'cvshared.datasets.finegrained'],
    allow_failed_imports=False)
default_scope = 'mmpretrain'
data_root = '{{$DATA_ROOT:data/web-bird}}'
test_root = '{{$CUB_ROOT:data/CUB_200_2011}}'
num_classes = 200

bcnn = dict(
    type='ImageClassifier',
    # VGG-16 to conv5_3 + ReLU (the last max-pool removed); frozen in step 1
    backbone=dict(
        type='VGG', depth=16, out_indices=(4, ), with_last_pool=False, frozen_stages=5,
        # torchvision ImageNet VGG-16 (the official init), converted by
        # tools/model_converters/peerlearning_official_to_ours.py --target backbone
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/vgg16_torchvision_imagenet.pth',
                      prefix='backbone.')),
    # x x^T / (hw), sqrt(x + 1e-5) (official, not signed; sqrt='signed' for the signed
    # square root), L2 normalisation
    neck=dict(type='BilinearPooling', sqrt='official', eps=1e-5),
    head=dict(
        type='LinearClsHead', num_classes=num_classes, in_channels=512 * 512,
        loss=dict(type='CrossEntropyLoss'),   # unused: the peer loss is PeerLearning's
        # official: nn.init.kaiming_normal_(fc.weight) (fan_in), bias 0
        init_cfg=dict(type='Kaiming', layer='Linear', mode='fan_in', distribution='normal',
                      bias=0)))
model = dict(
    type='PeerLearning',
    net1=bcnn,
    net2=bcnn,   # same architecture, initialised independently
    drop_rate=0.35,
    T_k=10,
    predict_with='net1',
    data_preprocessor=dict(
        type='ClsDataPreprocessor', num_classes=num_classes,
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True))

# torchvision Resize(448) (shorter side, bilinear), RandomHorizontalFlip, RandomCrop(448)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=448, edge='short', backend='pillow', interpolation='bilinear'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=448),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=448, edge='short', backend='pillow', interpolation='bilinear'),
    dict(type='CenterCrop', crop_size=448),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='WebFGDataset', data_root=data_root, split='train',
                 pipeline=train_pipeline))
# the clean test set, labels re-indexed by class name to the web training folders; the
# release's <data_root>/val/ holds the same images in the ImageFolder layout:
# dataset=dict(type='WebFGDataset', data_root=data_root, split='val', pipeline=test_pipeline)
test_set = dict(type='CUB200Classification', data_root=test_root, split='test',
                pipeline=test_pipeline)
test_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='ClassAlignedDataset', dataset=test_set,
                 classes_root=data_root + '/train'))
# The official code evaluates on the test set every epoch and keeps the best epoch (model
# selection on the test set: see the README); val = test reproduces that protocol.
val_dataloader = test_dataloader
test_evaluator = dict(type='Accuracy', topk=(1, ))
val_evaluator = test_evaluator

_adam = dict(type='Adam', lr=1e-3, weight_decay=1e-8, betas=(0.9, 0.999))
optim_wrapper = dict(
    constructor='SubmoduleOptimWrapperConstructor',
    net1=dict(modules=('net1', ), optimizer=_adam),   # step 1: the trainable fc only
    net2=dict(modules=('net2', ), optimizer=_adam))
# lr warm-up 5 epochs then the official cosine, Adam beta1 0.9 -> 0.1 at epoch 40, and r_e
custom_hooks = [dict(type='PeerLearningScheduleHook', lr_plan='official', warmup_epochs=5,
                     beta1=0.9, beta1_late=0.1, beta1_switch_epoch=40)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1, max_keep_ckpts=1,
                    save_best='accuracy/top1', rule='greater'),
    visualization=dict(type='PeerlearningVisualizationHook', draw=False, test_out_dir=None,
                       train_interval=0))
log_processor = dict(by_epoch=True)
