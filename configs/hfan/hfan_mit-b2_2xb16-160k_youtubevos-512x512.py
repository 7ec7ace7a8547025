# HFAN-Medium stage 1 (official hfan.medium.512x512.160k.py): the HFAN-Small stage-1 setting
# with the MiT-b2 encoder and an E = 768 decoder. Roots as there (YTVOS_ROOT, DATA_ROOT).
_base_ = ['./hfan_mit-b1_2xb16-160k_youtubevos-512x512.py']
model = dict(
    backbone=dict(backbone=dict(
        num_layers=[3, 4, 6, 3],
        init_cfg=dict(checkpoint='checkpoints/mit_b2_mmseg.pth'))),
    decode_head=dict(embed_dim=768))
