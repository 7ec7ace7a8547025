# Peer-learning with ResNet-50 peers on WebiNat-5089, one step (all layers).
# Official: Web5089_train.sh (--base_lr 3e-3 --batch_size 160 --epoch 60 --drop_rate 0.3
# --T_k 10 --weight_decay 1e-5 --net resnet50 --step 0, 4 GPUs: 160 is the total batch).
# DATA_ROOT = the extracted web-iNat folder; its val/ is the clean test set (no cvshared
# reader: iNat's release is not among the shared fine-grained sets).
_base_ = ['./peerlearning_bcnn-vgg16_step1-200e_webbird.py']

data_root = '{{$DATA_ROOT:data/web-iNat}}'
num_classes = 5089
resnet = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet', depth=50, out_indices=(3, ), frozen_stages=-1,
        # the paper's ImageNet initialisation; the official step 0 builds ResNet-50 with
        # pretrained=False (init_cfg=None reproduces that; see the README)
        init_cfg=dict(type='Pretrained',
                      checkpoint='checkpoints/resnet50_torchvision_imagenet.pth',
                      prefix='backbone.')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead', num_classes=num_classes, in_channels=2048,
        loss=dict(type='CrossEntropyLoss'),
        init_cfg=dict(type='Kaiming', layer='Linear', mode='fan_in', distribution='normal',
                      bias=0)))
model = dict(
    _delete_=True,
    type='PeerLearning',
    net1=resnet,
    net2=resnet,
    drop_rate=0.3,
    T_k=10,
    predict_with='net1',
    data_preprocessor=dict(
        type='ClsDataPreprocessor', num_classes=num_classes,
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True))
train_dataloader = dict(batch_size=40,   # x 4 GPUs = 160 as officially
                        dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(
    _delete_=True, type='WebFGDataset', data_root=data_root, split='val',
    pipeline={{_base_.test_pipeline}}))
val_dataloader = test_dataloader
_adam = dict(type='Adam', lr=3e-3, weight_decay=1e-5, betas=(0.9, 0.999))
optim_wrapper = dict(net1=dict(optimizer=_adam), net2=dict(optimizer=_adam))
train_cfg = dict(max_epochs=60)
