# HFAN model (official hfan.*.512x512.*.py), MiT-b1 by default; b2 configs override.
# It inherits the shared mmseg runtime and adds what every HFAN config needs there.
_base_ = ['../../_base_/runtime/mmseg.py']
custom_imports = dict(imports=['hfan'], allow_failed_imports=False)
# official: --seed 1208 --deterministic
randomness = dict(seed=1208, deterministic=False)
default_hooks = dict(
    # tools/test.py --show-dir X sets draw=True, test_out_dir=X: per-frame mask overlays
    visualization=dict(type='VOSMaskVisualizationHook', draw=False, test_out_dir=None))
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='FrameFlowDataPreProcessor',
    mean=[123.675, 116.28, 103.53] * 2, std=[58.395, 57.12, 57.375] * 2,
    bgr_to_rgb=True, pad_val=0, seg_pad_val=0, size=(512, 512))
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='FrameFlowBackbone',
        segformer_eps=True,  # SegFormer's LayerNorm eps (see FrameFlowBackbone)
        backbone=dict(
            type='MixVisionTransformer', in_channels=3, embed_dims=64, num_stages=4,
            num_layers=[2, 2, 2, 2], num_heads=[1, 2, 5, 8], patch_sizes=[7, 3, 3, 3],
            sr_ratios=[8, 4, 2, 1], out_indices=(0, 1, 2, 3), mlp_ratio=4, qkv_bias=True,
            drop_rate=0.0, attn_drop_rate=0.0, drop_path_rate=0.1,
            # SegFormer ImageNet-1K weights converted with
            # tools/model_converters/hfan_official_to_ours.py mit_b1.pth <out>
            init_cfg=dict(type='Pretrained', checkpoint='checkpoints/mit_b1_mmseg.pth'))),
    decode_head=dict(
        type='HFANHead', select_method='hfan', in_channels=[64, 128, 320, 512],
        in_index=[0, 1, 2, 3], channels=128, embed_dim=256, fusion_width=16,
        dropout_ratio=0.1, num_classes=2, norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
# AdamW, head lr x10, no decay on norms / pos_block (official paramwise_cfg). mmseg's MiT
# names the stage-end LayerNorms layers.{i}.2 (official: norm{i}); they are listed explicitly.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=6e-5, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={
        'pos_block': dict(decay_mult=0.), 'norm': dict(decay_mult=0.),
        'head': dict(lr_mult=10.),
        **{f'backbone.layers.{i}.2.': dict(decay_mult=0.) for i in range(4)}}))
