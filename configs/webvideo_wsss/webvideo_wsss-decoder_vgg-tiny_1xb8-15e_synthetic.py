# webvideo_wsss train_decoder / test_decoder on the synthetic set (CPU, seconds): the tiny
# encoder of the synthetic encoder config (fixed) and its mirrored decoder, Adam 3e-3 at a
# constant rate, batch 8, 15 epochs of the ~84 retained frames (~150 steps), no CRF; test:
# synthetic VOC val with the encoder's predicted classes (the paper's protocol).
_base_ = ['./webvideo_wsss-decoder_vgg16_1xb16-30e_webvideo-320x320.py']

data_root = '{{$DATA_ROOT:data/synthetic/webvideo_wsss}}'
voc_root = data_root + '/VOC2012'
video_root = data_root + '/webvideos'
train_encoder_checkpoint = 'work_dirs/reproduce/webvideo_wsss/train_encoder/epoch_60.pth'
model = dict(encoder=dict(backbone=dict(_delete_=True, arch=(1, 1, 1), widths=(16, 32, 64),
                                        num_pools=2, init_cfg=None)),
             encoder_checkpoint=train_encoder_checkpoint, crf=None)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='WebVideoLoadMask'),
    dict(type='WebVideoRandomFlip', prob=0.5),
    dict(type='WebVideoPackInputs'),
]
train_dataloader = dict(batch_size=8, num_workers=0,
                        dataset=dict(video_root=video_root, pipeline=train_pipeline))
test_dataloader = dict(num_workers=0, dataset=dict(data_root=voc_root))
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=dict(type='Adam', lr=3e-3))
max_epochs = 15
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True, begin=0, end=max_epochs)]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs), logger=dict(interval=5))
