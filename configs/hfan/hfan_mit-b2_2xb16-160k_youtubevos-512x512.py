# HFAN-Medium stage 1 (official hfan.medium.512x512.160k.py): YouTube-VOS (official "YouTube2SEG"
# frame / flow / mask release, flat <video>_<frame> names), 160k iterations, 2 GPUs x 16 images,
# evaluated on DAVIS-2016 val.  DATA_ROOT holds both data sets: <DATA_ROOT>/YouTube2SEG and
# <DATA_ROOT>/DAVIS.
_base_ = ['./_base_/hfan_runtime.py', './_base_/hfan_model.py',
          './_base_/hfan_davis16_frameflow.py']
data_root = '{{$DATA_ROOT:data}}'
train_dataloader = dict(
    batch_size=16, num_workers=8, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='DAVIS2SEGFrameFlowDataset', data_root=data_root + '/YouTube2SEG',
                 split='train', pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(data_root=data_root + '/DAVIS'))
test_dataloader = val_dataloader
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=3000),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=3000, end=160000),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=160000, val_interval=16000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# MiT-b2 encoder, E = 768 decoder
model = dict(
    backbone=dict(backbone=dict(
        num_layers=[3, 4, 6, 3],
        init_cfg=dict(checkpoint='{{$MIT_CHECKPOINT:checkpoints/mit_b2_mmseg.pth}}'))),
    decode_head=dict(embed_dim=768))
