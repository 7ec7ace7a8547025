# webvideo_wsss stages train_decoder / test_decoder (paper Sec. 3.3, 3.4): the class-agnostic
# decoder (TransferNet's deconvolution network) on the video masks of the segment_videos stage,
# the encoder fixed (its train_encoder checkpoint); test: VOC 2012 val mIoU of the
# encoder-decoder with the classes the encoder predicts (sigma(s_l) > 0.5) and the dense CRF.
# Schedule (SGD 1e-2, momentum 0.9, wd 5e-4, 30 epochs, batch 16) decided by us.
_base_ = ['./webvideo_wsss-encoder_vgg16_1xb16-20e_voc12aug-320x320.py']

data_root = '{{$DATA_ROOT:data/webvideo_wsss}}'
voc_root = data_root + '/VOC2012'
video_root = data_root + '/webvideos'

stage_inputs = dict(train_encoder='work_dirs/reproduce/webvideo_wsss/train_encoder',
                    segment_videos='work_dirs/reproduce/webvideo_wsss/segment_videos')
train_encoder_checkpoint = 'work_dirs/reproduce/webvideo_wsss/train_encoder/epoch_20.pth'
encoder = dict(num_classes=20, backbone=dict(init_cfg=None))
model = dict(
    _delete_=True,
    type='WebVideoSegmentor',
    encoder=encoder,
    encoder_checkpoint=train_encoder_checkpoint,
    freeze_encoder=True,
    cls_thres=0.5,
    fg_thres=0.5,
    use_gt_labels=False,
    crf=dict(t=10),
    data_preprocessor={{_base_.preprocessor}})

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='WebVideoLoadMask'),
    dict(type='WebVideoResize', size={{_base_.size}}),
    dict(type='WebVideoRandomFlip', prob=0.5),
    dict(type='WebVideoPackInputs'),
]
train_dataloader = dict(
    dataset=dict(_delete_=True, type='WebVideoFrameDataset',
                 data_root=stage_inputs['segment_videos'], ann_file='frames.txt',
                 video_root=video_root, pipeline=train_pipeline))
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=1e-2, momentum=0.9, weight_decay=5e-4))
max_epochs = 30
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=True, begin=0,
                        end=max_epochs, convert_to_iter_based=True)]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=max_epochs))
