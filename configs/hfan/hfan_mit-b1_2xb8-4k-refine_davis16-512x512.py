# HFAN-Small stage 2 (official hfan.small.512x512.refine.py): DAVIS-2016 train, 4k iterations at
# a fixed lr 1e-5, 2 GPUs x 8 images, from the stage-1 checkpoint; sliding-window test
# (crop 512, stride 271). DATA_ROOT = the DAVIS folder.
# Paper: single scale J 86.2 / F 87.1 / J&F 86.7; multi-scale + flip (tools/test.py --tta)
# J 87.1 / F 87.7 / J&F 87.4.
_base_ = ['./_base_/hfan_model.py', '../_base_/datasets/davis16_frameflow.py']
load_from = '{{$HFAN_STAGE1_CHECKPOINT:work_dirs/hfan_mit-b1_2xb16-160k_youtubevos-512x512/iter_160000.pth}}'
model = dict(test_cfg=dict(mode='slide', crop_size=(512, 512), stride=(271, 271)))
train_dataloader = dict(
    batch_size=8, num_workers=8, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True), dataset={{_base_.davis_train}})
optim_wrapper = dict(optimizer=dict(lr=1e-5))
param_scheduler = []
train_cfg = dict(type='IterBasedTrainLoop', max_iters=4000, val_interval=4000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(interval=4000))
