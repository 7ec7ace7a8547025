# The official Proxy Anchor training recipe (code/train.py, README ResNet-50 commands) as
# OpenMMLab pieces, without a data set (the configs beside it add one):
# - embedding: the shared retriever (configs/_base_/models/retriever_r50.py): ResNet-50 with
#   BatchNorm in eval mode and frozen (--bn-freeze 1), GAP + GMP summed, Linear 2048 -> 512, L2;
# - loss: ProxyAnchorLoss alpha 32, delta 0.1 (the shared cvshared.retrieval loss);
# - AdamW lr 1e-4, weight decay 1e-4 on every group; proxies lr x100 (paramwise_cfg);
#   clip_grad_value_(10) on the model and the proxies; StepLR gamma 0.5 per epoch;
# - the --warm epochs: BackboneWarmupHook (only the embedding layer and the proxies train);
# - 60 epochs, evaluation after each, the best Recall@1 checkpoint kept.
_base_ = ['../../_base_/runtime/mmpretrain.py', '../../_base_/models/retriever_r50.py']

model = dict(head=dict(num_classes=100, embed_dim=512,
                       loss=dict(type='ProxyAnchorLoss', alpha=32, delta=0.1)))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=1e-4),
    clip_grad=dict(type='value', clip_value=10),
    # the official param group: proxies lr x100, with the optimizer's weight decay
    paramwise_cfg=dict(custom_keys={'proxies': dict(lr_mult=100, decay_mult=1)}))
param_scheduler = dict(type='StepLR', by_epoch=True, step_size=5, gamma=0.5)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=60, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

custom_hooks = [dict(type='BackboneWarmupHook', warm_epochs=5,
                     trainable=('image_encoder.1.', 'head.'))]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1, max_keep_ckpts=1,
                    save_best='auto', rule='greater'),
    visualization=dict(type='ProxyanchorVisualizationHook', draw=False, test_out_dir=None,
                       topk=5, max_queries=20))
log_processor = dict(by_epoch=True)
