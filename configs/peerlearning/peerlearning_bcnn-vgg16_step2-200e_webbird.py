# Step 2 of the WebFG-496 schedule on web-bird: all layers, from the step-1 peers.
# Official: Web496_train.sh step 2 (--base_lr 1e-4 --batch_size 32 --epoch 200
# --weight_decay 1e-5), which loads model/net{1,2}_step1_vgg16_best_epoch.pth.
# STEP1_CHECKPOINT: the step-1 checkpoint to start from (both peers), e.g. the
# best_accuracy_top1_epoch_<n>.pth of the step-1 work dir.
_base_ = ['./peerlearning_bcnn-vgg16_step1-200e_webbird.py']

model = dict(
    net1=dict(backbone=dict(frozen_stages=-1, init_cfg=None)),
    net2=dict(backbone=dict(frozen_stages=-1, init_cfg=None)))
load_from = '{{$STEP1_CHECKPOINT:checkpoints/peerlearning_bcnn-vgg16_step1_webbird.pth}}'
train_dataloader = dict(batch_size=32)
_adam = dict(type='Adam', lr=1e-4, weight_decay=1e-5, betas=(0.9, 0.999))
optim_wrapper = dict(net1=dict(optimizer=_adam), net2=dict(optimizer=_adam))
