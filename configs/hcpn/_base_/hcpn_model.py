# HCPN model (official libs/model/HCPN.py): three ResNet-101 streams (frame k, frame k+1, flow
# image), PCM (5 rounds) + CCM at stages 3-5, GAC outputs, GC / Refine / MotionContour decoder.
# Inherits the shared mmseg runtime and adds what every HCPN config needs there.
_base_ = ['../../_base_/runtime/mmseg.py']
custom_imports = dict(imports=['hcpn'], allow_failed_imports=False)
# official: torch.manual_seed(123)
randomness = dict(seed=123, deterministic=False)
default_hooks = dict(
    # tools/test.py --show-dir X sets draw=True, test_out_dir=X: mask + contour overlays
    visualization=dict(type='HCPNVisualizationHook', draw=False, test_out_dir=None))
# the official ToTensor + Normalize(ImageNet) on all three RGB images (flow included)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53] * 3, std=[58.395, 57.12, 57.375] * 3,
    bgr_to_rgb=False, pad_val=0, seg_pad_val=0, size=(512, 512))
model = dict(
    type='HCPN',
    data_preprocessor=data_preprocessor,
    encoder=dict(
        type='HCPNEncoder',
        pcm_rounds=5,
        backbone=dict(
            type='ResNet', depth=101, norm_eval=False, zero_init_residual=False,
            # torchvision ImageNet weights (official: resnet101(pretrained=True)), converted by
            # tools/model_converters/hcpn_official_to_ours.py resnet101-63fe2227.pth OUT
            # --torchvision; applied to each of the three streams
            init_cfg=dict(type='Pretrained', checkpoint='checkpoints/resnet101_tv_mmseg.pth'))),
    decoder=dict(type='HCPNDecoder', mdim=256),
    contour_weight=0.5,
    flip_test=True,  # official test.py: use_flip = True
    crf=False,  # the reported numbers: True (apply_densecrf_davis.py)
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
# official args.py: SGD, momentum 0.9, weight decay 5e-4; lr 1e-3 for the decoder, 1e-4 for
# the encoder (three ResNets + PCM / CCM / GAC), no schedule
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'encoder': dict(lr_mult=0.1)}))
param_scheduler = []
# unused parameters of the official layout (iAFF global_att2, PDC block2 / block3)
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
