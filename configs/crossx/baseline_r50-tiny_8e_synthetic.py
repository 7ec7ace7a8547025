# The plain ResNet baseline of the synthetic learning test: the same trunk as
# crossx_r50-tiny_8e_synthetic.py without OSME, GAP + one linear classifier, same data,
# schedule and seed.
_base_ = ['./crossx_r50-tiny_8e_synthetic.py']

model = dict(
    backbone=dict(osme_stages=(), osme_reductions=()),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(_delete_=True, type='LinearClsHead', num_classes=4, in_channels=256,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
