# HGPU stage A (official train_HGPU.py with pretrain = True, EncoderNet.flag = 'pre'):
# YouTube-VOS 2018 train frame pairs, every object merged into the foreground, 30 epochs
# (max_epoch = 30; a comment says 25), 4 GPUs x 5 pairs, 512 x 512, SGD (decoder lr 1e-2,
# encoder 1e-3, momentum 0.9, wd 5e-4), no schedule; validation on DAVIS-16 val every epoch.
# DATA_ROOT: the DAVIS folder (validation); YTVOS_ROOT: the YouTube-VOS folder
#   <YTVOS_ROOT>/train/{JPEGImages,Annotations,YouTube-flow,YouTubeVOS_2018-hed}/<video>/...
_base_ = ['./_base_/hgpu_model.py', './_base_/davis16_pairs.py']
ytvos_root = '{{$YTVOS_ROOT:data/YouTube-VOS}}'
model = dict(backbone=dict(mode='pre'))
train_dataloader = dict(
    dataset=dict(type='YouTubeVOSFramePairDataset', data_root=ytvos_root,
                 pipeline={{_base_.train_pipeline}}, _delete_=True))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(by_epoch=True, interval=1),
                     logger=dict(interval=10, log_metric_by_epoch=True))
log_processor = dict(by_epoch=True)
