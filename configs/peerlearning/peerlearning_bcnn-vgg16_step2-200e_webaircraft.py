# Step 2 (all layers, from the step-1 peers) on web-aircraft (see the web-bird step-2 config).
_base_ = ['./peerlearning_bcnn-vgg16_step1-200e_webaircraft.py']

model = dict(
    net1=dict(backbone=dict(frozen_stages=-1, init_cfg=None)),
    net2=dict(backbone=dict(frozen_stages=-1, init_cfg=None)))
load_from = '{{$STEP1_CHECKPOINT:checkpoints/peerlearning_bcnn-vgg16_step1_webaircraft.pth}}'
train_dataloader = dict(batch_size=32)
_adam = dict(type='Adam', lr=1e-4, weight_decay=1e-5, betas=(0.9, 0.999))
optim_wrapper = dict(net1=dict(optimizer=_adam), net2=dict(optimizer=_adam))
