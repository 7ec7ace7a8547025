# SELFY on the synthetic motion-only set in the SS-V2 layout (cvshared write_synthetic_sthv2:
# 4 classes = direction of a translating stationary texture, 64 x 64, 16 frames; make reproduce
# PAPER=selfy / tools/train.py write it at data/synthetic/selfy), read with the shared synthetic
# base (configs/_base_/datasets/sthv2_synthetic.py: 8 segments, frames at their size, top-1).
# CPU minutes: mmaction2's TSM ResNet-18 from scratch (no ImageNet), the SELFY block after
# layer2 (128 channels, 8 x 8 at this input, STSS on 4 x 4 with the paper's (5, 9, 9) window)
# with narrower hidden widths, the official optimiser (SGD Nesterov, clip 20) at lr 0.01 for
# 6 epochs.
_base_ = ['../_base_/datasets/sthv2_synthetic.py', './_base_/selfy_tsm-r50_50e.py']
custom_imports = dict(imports=['cvshared.video.stage_blocks', 'cvshared.datasets.something',
                               'selfy'], allow_failed_imports=False)
data_root = '{{$DATA_ROOT:data/synthetic/selfy}}'
model = dict(
    backbone=dict(depth=18, pretrained=None, pretrained2d=False, blocks=[dict(
        stage='layer2', position='after',
        block=dict(type='SELFYBlock', in_channels=128, hid_channels=32, window=(5, 9, 9),
                   ext_channels=(4, 8, 16, 16), int_channels=(16, 16, 16, 16),
                   extraction='conv'))]),
    cls_head=dict(num_classes=4, in_channels=512, dropout_ratio=0.5))
train_dataloader = dict(persistent_workers=False, dataset=dict(data_root=data_root))
val_dataloader = dict(persistent_workers=False, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
param_scheduler = [dict(type='MultiStepLR', begin=0, end=6, by_epoch=True, milestones=[4],
                        gamma=0.1)]
train_cfg = dict(max_epochs=6, val_interval=6)
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(interval=6))
