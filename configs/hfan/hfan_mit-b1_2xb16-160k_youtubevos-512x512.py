# HFAN-Small stage 1 (official hfan.small.512x512.160k.py): YouTube-VOS (official "YouTube2SEG"
# frame / flow / mask release, flat <video>_<frame> names), 160k iterations, 2 GPUs x 16 images,
# evaluated on DAVIS-2016 val. Two roots: YTVOS_ROOT = the YouTube2SEG folder (training),
# DATA_ROOT = the DAVIS folder (validation).
_base_ = ['./_base_/hfan_model.py', '../_base_/datasets/davis16_frameflow.py',
          '../_base_/datasets/youtubevos2seg_frameflow.py']
train_dataloader = dict(batch_size=16, num_workers=8, persistent_workers=True,
                        dataset=dict(pipeline={{_base_.train_pipeline}}))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=3000),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=3000, end=160000),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=160000, val_interval=16000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(interval=16000))
