# HFAN-Medium stage 2 (official hfan.medium.512x512.refine.py): DAVIS-2016 train, 4k iterations,
# fixed lr 1e-5, 2 GPUs x 8 images, from the stage-1 checkpoint; sliding-window test.
# Paper: single scale J 86.8 / F 88.2 / J&F 87.5; multi-scale + flip (test with --tta,
# ratios 0.75 / 1.0 / 1.75 of the 512 short side, + horizontal flip) J 88.0 / F 89.3 / J&F 88.7.
_base_ = ['./hfan_mit-b1_2xb8-4k-refine_davis16-512x512.py']
load_from = '{{$HFAN_STAGE1_CHECKPOINT:work_dirs/hfan_mit-b2_2xb16-160k_youtubevos-512x512/iter_160000.pth}}'
model = dict(
    backbone=dict(backbone=dict(
        num_layers=[3, 4, 6, 3],
        init_cfg=dict(checkpoint='{{$MIT_CHECKPOINT:checkpoints/mit_b2_mmseg.pth}}'))),
    decode_head=dict(embed_dim=768))
# Multi-scale + flip test (official tools/test.py --aug-test): DAVIS frames are 854 x 480, the
# base test scale makes the short side 512, so the official ratios become these scale factors.
tta_model = dict(type='SegTTAModel')
tta_pipeline = [
    dict(type='LoadFrameAndFlow'),
    dict(type='TestTimeAug', transforms=[
        [dict(type='Resize', scale_factor=r * 512 / 480, keep_ratio=True)
         for r in (0.75, 1.0, 1.75)],
        [dict(type='RandomFlip', prob=0., direction='horizontal'),
         dict(type='RandomFlip', prob=1., direction='horizontal')],
        [dict(type='LoadBinaryMask')],
        [dict(type='PackSegInputs', meta_keys={{_base_.meta_keys}})]]),
]
