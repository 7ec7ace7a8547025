# Deep-metric-learning embedding model (cvshared.retrieval): mmpretrain ResNet-50 with every
# BatchNorm in eval mode and its affine parameters frozen (norm_eval + requires_grad=False: the
# official Proxy Anchor --bn-freeze 1), global average + max pooling summed, Linear 2048 -> 512,
# L2 normalisation; a MetricLearningHead owning the proxies of the training classes.
# The papers' BN-Inception exists in neither mmpretrain nor timm, hence ResNet-50 (the papers'
# second backbone). Pretrained weights: a path, never a download (torchvision's
# resnet50-0676ba61.pth converted by mmpretrain's tools/model_converters/torchvision_to_mmpretrain.py,
# or mmpretrain's resnet50_8xb32_in1k checkpoint).
# A paper config sets head.loss, head.num_classes (100 CUB, 98 Cars, 11,318 SOP, 3,997 In-Shop)
# and the proxies' learning rate, e.g. Proxy Anchor:
#   optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'proxies': dict(lr_mult=100, decay_mult=0)}))
# No custom_imports and no top-level variables here: the dataset bases beside it define them.
model = dict(
    type='EmbeddingRetriever',
    data_preprocessor=dict(
        type='ClsDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
        to_rgb=True),
    image_encoder=[
        dict(type='ResNet', depth=50, out_indices=(3, ), norm_eval=True,
             norm_cfg=dict(type='BN', requires_grad=False), frozen_stages=-1,
             init_cfg=dict(type='Pretrained', checkpoint='checkpoints/resnet50_mmpretrain.pth')),
        dict(type='EmbeddingNeck', in_channels=2048, out_channels=512, pooling='avg+max'),
    ],
    head=dict(
        type='MetricLearningHead', num_classes=100, embed_dim=512,
        loss=dict(type='ProxyAnchorLoss', alpha=32, delta=0.1)))
