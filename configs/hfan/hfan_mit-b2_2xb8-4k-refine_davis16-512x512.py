# HFAN-Medium stage 2 (official hfan.medium.512x512.refine.py): the HFAN-Small refine setting
# with the MiT-b2 encoder and an E = 768 decoder, from the Medium stage-1 checkpoint.
# Paper: single scale J 86.8 / F 88.2 / J&F 87.5; multi-scale + flip (tools/test.py --tta:
# the tta_pipeline of configs/_base_/datasets/davis16_frameflow.py, ratios 0.75 / 1.0 / 1.75
# of (2048, 512) + horizontal flip) J 88.0 / F 89.3 / J&F 88.7.
_base_ = ['./hfan_mit-b1_2xb8-4k-refine_davis16-512x512.py']
load_from = '{{$HFAN_STAGE1_CHECKPOINT:work_dirs/hfan_mit-b2_2xb16-160k_youtubevos-512x512/iter_160000.pth}}'
model = dict(
    backbone=dict(backbone=dict(
        num_layers=[3, 4, 6, 3],
        init_cfg=dict(checkpoint='checkpoints/mit_b2_mmseg.pth'))),
    decode_head=dict(embed_dim=768))
