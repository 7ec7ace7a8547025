# The official AntiCo training recipe (antico_runs.sh, parameters.py, main.py) as OpenMMLab
# pieces, without a data set (the configs beside it add one):
# - embedding: the shared retriever (configs/_base_/models/retriever_r50.py): ResNet-50 with frozen
#   BatchNorm ("_frozen"), GAP + GMP summed ("_double"), Linear 2048 -> 512, L2 ("_normalize");
# - loss: w_align * Proxy Anchor (alpha 64, delta 0.1; the official `panc`) + w_ac * exp(-R) over
#   the batch's proxies (`--antico_type batch_proxy`), w_align 0.0035, w_ac 1, eps 0.5,
#   gamma1 = gamma2 = 1; proxies N(0, 1) / 8, shared by both terms;
# - Adam lr 1e-5, weight decay 4e-4 on the network; proxies lr x2000, no weight decay;
# - MultiStepLR at tau (per epoch), gamma 0.5; no warm-up (--warmup 0).
_base_ = ['../../_base_/runtime/mmpretrain.py', '../../_base_/models/retriever_r50.py']

model = dict(head=dict(
    num_classes=100, embed_dim=512, proxy_init='normal', proxy_std=0.125,
    loss=[dict(type='ProxyAnchorLoss', alpha=64, delta=0.1, loss_weight=0.0035),
          dict(type='AntiCoLoss', mode='batch_proxy', eps=0.5, gamma1=1.0, gamma2=1.0,
               scale='official', loss_weight=1.0)]))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-5, weight_decay=4e-4),
    paramwise_cfg=dict(custom_keys={'proxies': dict(lr_mult=2000, decay_mult=0)}))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[100], gamma=0.5)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1, max_keep_ckpts=1,
                    save_best='auto', rule='greater'),
    visualization=dict(type='AnticoVisualizationHook', draw=False, test_out_dir=None, topk=5,
                       num_queries=8))
log_processor = dict(by_epoch=True)
