# HGPU stage B (official train_HGPU.py with pretrain = False, EncoderNet.flag = 'main'):
# DAVIS-16 train frame pairs from the stage-A checkpoint, 30 epochs, 4 GPUs x 5 pairs,
# 512 x 512, SGD (decoder lr 1e-2, encoder 1e-3, momentum 0.9, wd 5e-4); the official keeps
# the checkpoint of the best DAVIS-16 val mIoU (save_best below does the same, on J-Mean).
# Paper (official README): DAVIS-16 J 86.0 with flip test + DenseCRF (the test config
# hgpu_r101_flip-crf_davis16-val-512x512.py); 78.6 for stage A alone, 80.3 for stage B alone.
_base_ = ['./_base_/hgpu_model.py', './_base_/davis16_pairs.py']
# the stage-A checkpoint (make reproduce: the pipeline's pretrain_youtubevos stage sets it)
pretrain_youtubevos_checkpoint = '{{$HGPU_STAGE_A_CHECKPOINT:work_dirs/hgpu_r101_4xb5-30e_youtubevos-512x512/epoch_30.pth}}'
load_from = pretrain_youtubevos_checkpoint
model = dict(backbone=dict(mode='main'))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(by_epoch=True, interval=1, save_best='davis/J-Mean',
                                     rule='greater', max_keep_ckpts=1),
                     logger=dict(interval=10, log_metric_by_epoch=True))
log_processor = dict(by_epoch=True)
