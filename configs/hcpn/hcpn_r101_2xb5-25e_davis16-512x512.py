# HCPN stage 2 (official train.py, pretrain = False, resumed from the best stage-1 checkpoint):
# DAVIS-16 train frame pairs, 25 epochs, batch 10 (2 x 5), 512 x 512, SGD lr 1e-3 decoder /
# 1e-4 encoders; the best epoch by DAVIS-16 val is kept (official: best mean IoU).
# Paper (official README): DAVIS-16 val J&F 85.6, J 85.8, F 85.4 with flip test + dense CRF:
# tools/test.py CONFIG CKPT --cfg-options model.crf=True
_base_ = ['./_base_/hcpn_model.py', './_base_/hcpn_frame_pairs.py']
load_from = '{{$HCPN_STAGE1_CHECKPOINT:work_dirs/hcpn_r101_2xb5-25e_youtubevos-512x512/best.pth}}'
train_dataloader = dict(
    batch_size=5, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True), dataset={{_base_.davis_train}})
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=25, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(interval=10, log_metric_by_epoch=True),
    checkpoint=dict(by_epoch=True, interval=1, save_best='davis/J-Mean', rule='greater'))
log_processor = dict(by_epoch=True)
