# Cross-X SE-ResNet-50 on CUB-200-2011 (official crossxsenetmix.py: SE ratios 16 / 32 / 64 /
# 128 per stage, OSME reductions 64 / 128, gammas 1 / 0.25 / 1 for 'senet' + 'cubbirds').
# The official SENet-50 ImageNet weights are a Baidu download (pretrained-weights.pkl):
# convert them with tools/model_converters/crossx_official_to_ours.py to the path below.
_base_ = ['./crossx_r50_30e_cub.py']

model = dict(
    backbone=dict(_delete_=True, type='CrossXSEResNet', depth=50, se_ratios=(16, 32, 64, 128),
                  num_parts=2, osme_reductions=(64, 128), osme_stages=(2, 3),
                  zero_init_residual=False,
                  init_cfg=dict(type='Pretrained', checkpoint='checkpoints/senet50_crossx.pth',
                                prefix='backbone.')),
    head=dict(gammas=(1.0, 0.25, 1.0)))
