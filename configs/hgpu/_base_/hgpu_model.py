# HGPU model (official libs/model/HGPU.py EncoderNet + DecoderNet): three ResNet-101 streams
# (frame k, frame k + 1, flow image), message passing / ConvGRU / readouts at stages 2-5, the
# motion-refined decoder, weighted BCE. Inherits the shared mmseg runtime.
_base_ = ['../../_base_/runtime/mmseg.py']
custom_imports = dict(imports=['hgpu'], allow_failed_imports=False)
randomness = dict(seed=123, deterministic=False)  # official -seed 123
default_hooks = dict(
    # tools/test.py --show-dir X sets draw=True, test_out_dir=X: per-frame mask overlays
    visualization=dict(type='HGPUVisualizationHook', draw=False, test_out_dir=None))
crop_size = (512, 512)
# the official code normalises both frames AND the flow image with the ImageNet statistics
data_preprocessor = dict(
    type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53] * 3,
    std=[58.395, 57.12, 57.375] * 3, bgr_to_rgb=False, pad_val=0, seg_pad_val=0,
    size=crop_size)
# torchvision ImageNet ResNet-101 (mmseg's ResNet has the same keys, less fc.*):
#   python -c "import torch, torchvision; torch.save(torchvision.models.resnet101(
#       weights='IMAGENET1K_V1').state_dict(), 'checkpoints/resnet101_torchvision.pth')"
stream = dict(type='ResNet', depth=101, num_stages=4, out_indices=(0, 1, 2, 3),
              style='pytorch', norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False,
              init_cfg=dict(type='Pretrained',
                            checkpoint='checkpoints/resnet101_torchvision.pth'))
# HGPUSegmentor = mmseg's EncoderDecoder + the official test protocol switches: test_cfg.flip
# (use_flip of test_HGPU.py) and test_cfg.crf (apply_densecrf_davis.py); both off here, on in
# the configs of the reported numbers (hgpu_r101_flip-crf_*.py)
model = dict(
    type='HGPUSegmentor',
    data_preprocessor=data_preprocessor,
    backbone=dict(type='HGPUEncoder', backbone=stream, channels=(256, 512, 1024, 2048),
                  mode='pre', reduction=16, fusion_ratio=4, reuse_first_global=True),
    decode_head=dict(
        type='HGPUHead', in_channels=(256, 512, 1024, 2048), channels=256, out_size=None,
        reuse_rate6=True, align_corners=False,
        loss_decode=dict(type='WeightedBCELoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole', flip=False, crf=False))
# official: SGD momentum 0.9, weight decay 5e-4, lr 1e-2 for the decoder and 1e-3 for the
# whole encoder (streams, GRUs, message passing, readouts, MACU'), no schedule
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-2, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
param_scheduler = []
# tools/test.py --tta: the mean mask probability of the plain and the flipped view (official
# use_flip), then the threshold or, with model.test_cfg.crf=True, the CRF on the mean
# (HGPUTTAModel; mmseg's SegTTAModel would take a second sigmoid of the probabilities)
tta_model = dict(type='HGPUTTAModel')
