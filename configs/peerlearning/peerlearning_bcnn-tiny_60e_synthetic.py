# Peer-learning on the synthetic set (CPU, about a minute): 6 grating orientations, 16 x 16,
# 40 % symmetric label noise in the web folders, clean CUB-layout test set; a tiny ConvNet with
# the B-CNN neck. The learning test (tests/test_learning.py) runs this recipe in memory.
_base_ = ['./peerlearning_bcnn-vgg16_step1-200e_webbird.py']

data_root = '{{$DATA_ROOT:data/synthetic/peerlearning}}'
num_classes = 6
tiny = dict(
    type='ImageClassifier',
    backbone=dict(type='PeerlearningConvNet', channels=(8, 16)),
    neck=dict(type='BilinearPooling', sqrt='official'),
    head=dict(type='LinearClsHead', num_classes=num_classes, in_channels=16 * 16,
              loss=dict(type='CrossEntropyLoss')))
model = dict(
    _delete_=True,
    type='PeerLearning',
    net1=tiny,
    net2=tiny,
    drop_rate=0.4,   # = the injected noise rate
    T_k=15,
    data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=num_classes,
                           mean=[127.5] * 3, std=[64.0] * 3, to_rgb=True))
# no flip: a horizontal flip changes a grating's orientation, i.e. its class
pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=64, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root + '/web', pipeline=pipeline))
test_dataloader = dict(
    batch_size=64, num_workers=0, persistent_workers=False,
    dataset=dict(classes_root=data_root + '/web/train',
                 dataset=dict(data_root=data_root + '/CUB_200_2011', pipeline=pipeline)))
val_dataloader = test_dataloader
_adam = dict(type='Adam', lr=5e-3, weight_decay=0.0, betas=(0.9, 0.999))
optim_wrapper = dict(net1=dict(optimizer=_adam), net2=dict(optimizer=_adam))
custom_hooks = [dict(type='PeerLearningScheduleHook', lr_plan='constant',
                     beta1_switch_epoch=None)]
train_cfg = dict(max_epochs=60, val_interval=60)
default_hooks = dict(
    logger=dict(interval=4),
    checkpoint=dict(interval=60, save_best=None),
    visualization=dict(train_interval=0))
