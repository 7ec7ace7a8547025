# Collaborative memory I3D-R50 on Charades (v1, 480p): 157 classes, multi-label (a video's
# label is the list of its action classes), sigmoid BCE on the video score, mAP. Fine-tuned
# from a Kinetics-400 model (load_from: a path). The reader is cvshared.datasets.action's
# CharadesDataset (Charades_v1_{train,test}.csv, Charades_v1_classes.txt, Charades_v1_480/).
_base_ = ['../_base_/datasets/charades.py', './_base_/collabmem_i3d-r50_100e.py']
custom_imports = dict(imports=['cvshared.datasets.action', 'collabmem'],
                      allow_failed_imports=False)
num_clips, clip_len, frame_interval = 3, 32, 2
load_from = 'checkpoints/collabmem_i3d-r50_kinetics400.pth'
model = dict(
    backbone=dict(pretrained=None, pretrained2d=False),
    cls_head=dict(num_classes=157, multi_class=True, label_smooth_eps=0,
                  loss_cls=dict(type='BCELossWithLogits'), average_clips='score'))
train_pipeline = [
    dict(type='CheckedDecordInit', min_frames=num_clips * clip_len * frame_interval),
    dict(type='CheckedSampleFrames', clip_len=clip_len, frame_interval=frame_interval,
         num_clips=num_clips),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')]
test_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='CheckedSampleFrames', clip_len=clip_len, frame_interval=frame_interval,
         num_clips=10, test_mode=True, allow_overlap=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='ThreeCrop', crop_size=256),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')]
train_dataloader = dict(batch_size=2, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=1, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=50, val_interval=5)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=50, by_epoch=True,
                        milestones=[20, 40], gamma=0.1)]
optim_wrapper = dict(optimizer=dict(lr=0.0025))
