# HCPN stage 1 (official train.py, pretrain = True): YouTube-VOS 2018 train frame pairs, every
# object merged into the foreground, 25 epochs, batch 10 (2 GPUs x 5; the official uses
# DataParallel over 2 GPUs), 512 x 512, SGD lr 1e-3 decoder / 1e-4 encoders. Validated on
# DAVIS-16 val. YTVOS_ROOT is the YouTube-VOS folder (<YTVOS_ROOT>/train/JPEGImages, ...).
_base_ = ['./_base_/hcpn_model.py', './_base_/hcpn_frame_pairs.py']
ytvos_root = '{{$YTVOS_ROOT:data/YouTubeVOS}}'
train_dataloader = dict(
    batch_size=5, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='YouTubeVOSFramePairDataset', data_root=ytvos_root, with_contour=True,
                 pipeline={{_base_.train_pipeline}}))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=25, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(interval=10, log_metric_by_epoch=True),
    checkpoint=dict(by_epoch=True, interval=1, save_best='davis/J-Mean', rule='greater'))
log_processor = dict(by_epoch=True)
