# PPAP (Seong et al., ECCV 2024) model, optimisers, hooks and runtime; the defaults are the
# official COCO-Stuff ViT-S/16 setting (json/server/cocostuff16.json of github.com/hynnsk/PPAP,
# commit 666ef75); each leaf config sets its backbone, training_coeff and optimiser from its
# json and combines this base with a configs/_base_/datasets/useg_*.py data base.
_base_ = ['../../_base_/runtime/mmseg.py']

default_scope = 'mmseg'
num_classes = 27
model = dict(
    type='PPAPSegmentor',
    num_classes=num_classes,
    # the frozen DINO ViT; the official DINO weights from a path (never a download), loaded
    # strictly before the decoder is copied from the last block
    backbone=dict(type='DinoViT', arch='vit_small_patch16_224.dino'),
    pretrained='checkpoints/dino_deitsmall16_pretrain.pth',
    # json training_coeff: tau, initialcrit_pos, initialcrit_amb, prop_iter, sigma_pos,
    # sigma_amb, trainpatchsplit; chunks of 784 patches (hard-coded in the official loss.py)
    loss_cfg=dict(temperature=0.8, phi0=0.55, psi0=0.15, prop_iter=2, sigma_pos=3,
                  sigma_amb=4, anchor_split=4, chunk_size=784),
    dropout=0.1,        # Dropout2d on crit_feat (DinoFeaturizer)
    anchor_seed=None,   # anchors from the global generator (randomness.seed), as the official
    extra_clusters=0,
    crf=True,           # the official eval configs: is_crf true
    data_preprocessor=dict(
        type='mmseg.SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=False,
        size_divisor=8,
        pad_val=0,
        seg_pad_val=255))

# the official optimisers (build.py::build_optimizer): one for the whole net (decoder +
# project_head; AdamW or Adam per json) with its gradient clipped to norm 10 (train.grad_norm),
# Adam for each probe; no scheduler
optim_wrapper = dict(
    constructor='SubmoduleOptimWrapperConstructor',
    net=dict(modules=('decoder', 'project_head'),
             optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01),
             clip_grad=dict(max_norm=10.0)),
    linear=dict(modules=('linear_probe',), optimizer=dict(type='Adam', lr=1e-3)),
    cluster=dict(modules=('cluster_probe',), optimizer=dict(type='Adam', lr=1e-3)))

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=5, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=25, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1, max_keep_ckpts=2,
                    save_best='cluster/mIoU', rule='greater'),
    # pictures (image | clusters | matched | linear | ground truth): tools/test.py --show-dir
    visualization=dict(type='PPAPVisualizationHook', draw=False, test_out_dir=None,
                       max_samples=16))
log_processor = dict(by_epoch=True)
randomness = dict(seed=0)
