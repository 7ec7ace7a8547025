# HP (Seong et al., CVPR 2023) model, optimisers, hook and runtime, with the official COCO-Stuff
# hyper-parameters (json/server/cocostuff.json of github.com/hynnsk/HP); the dataset configs
# override what differs (Cityscapes, Potsdam). Data: a configs/_base_/datasets/useg_*.py base.
_base_ = ['../../_base_/runtime/mmseg.py']

# a leaf config combines this base with a dataset base (which has its own custom_imports), so
# each leaf sets custom_imports = dict(imports={{_base_.hp_imports}}, ...) itself
hp_imports = ['hp', 'cvshared.useg.segmentor', 'cvshared.engine.optim',
              'cvshared.useg.visualization', 'cvshared.datasets.useg',
              'cvshared.metrics.unsupervised_seg']
default_scope = 'mmseg'

num_classes = 27
model = dict(
    type='HPSegmentor',
    num_classes=num_classes,
    # frozen DINO ViT-S/8 (official vit_small, dino_patch_size 8, dino_feat_type 'feat');
    # the official weights from a path (tools/model_converters/hp_official_to_ours.py reads
    # trained HP checkpoints; the DINO file is the official one, strictly loaded)
    backbone=dict(type='DinoViT', arch='vit_small_patch8_224.dino'),
    pretrained='checkpoints/dino_deitsmall8_300ep_pretrain.pth',
    dim=512,
    ema_m=0.99,
    tau=0.8,
    rho=0.02,
    alpha=0.05,
    sigma=28.0,
    dropout=0.1,
    nonlinear=True,
    extra_clusters=0,
    crf=True,   # the official eval configs: is_crf true
    data_preprocessor=dict(
        type='mmseg.SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=False,
        size_divisor=8,    # mmseg's training stack_batch needs one (no padding at 224 / 320)
        pad_val=0,
        seg_pad_val=255))

# the official photometric second view (build.py), made from the final training crop
hp_view = dict(type='HPPhotometricView', brightness=0.3, contrast=0.3, saturation=0.3, hue=0.1,
               grayscale_prob=0.2, blur_kernel=5, blur_prob=0.5)
meta_keys = ('img_path', 'seg_map_path', 'img_id', 'ori_shape', 'img_shape', 'scale_factor')

# the official optimisers: AdamW on the segmentation head (clip 10), Adam on the projection
# head (the net's lr) and on both probes; no scheduler
optim_wrapper = dict(
    constructor='SubmoduleOptimWrapperConstructor',
    net=dict(modules=('head',), optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.1),
             clip_grad=dict(max_norm=10.0)),
    proj=dict(modules=('proj',), optimizer=dict(type='Adam', lr=5e-4)),
    linear=dict(modules=('linear_probe',), optimizer=dict(type='Adam', lr=1e-3)),
    cluster=dict(modules=('cluster_probe',), optimizer=dict(type='Adam', lr=5e-3)))

custom_hooks = [dict(type='HiddenPositivesHook', pool_size=2048, renew_interval=100,
                     warmup=1000)]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=3, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=25, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1, max_keep_ckpts=2,
                    save_best='cluster/mIoU', rule='greater'),
    # pictures (image | clusters | matched | linear | ground truth): tools/test.py --show-dir
    visualization=dict(type='HPVisualizationHook', draw=False,
                       test_out_dir=None, max_samples=16))
log_processor = dict(by_epoch=True)
randomness = dict(seed=0)
