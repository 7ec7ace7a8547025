# IKL knowledge distillation on ImageNet, ResNet-50 teacher -> MobileNet-V1 student
# (r50_mv_ikl_kd.yaml: alpha 4, beta 1, GI on, T2 1). Paper: top-1 72.84.
_base_ = ['./ikl-kd_r34-r18_100e_imagenet.py']

model = dict(
    backbone=dict(_delete_=True, type='DklMobileNetV1'),
    neck=None,
    head=dict(in_channels=1024),
    teacher=dict(
        model=dict(backbone=dict(depth=50), head=dict(in_channels=2048)),
        checkpoint='checkpoints/resnet50_imagenet_mmpretrain.pth'),
    distill_loss=dict(alpha=4.0, beta=1.0))
