# MSNet (TSM-R50 + MS module), 8 segments, Something-Something V2 (paper: 63.0 top-1).
_base_ = ['./_base_/msnet_tsm-r50_sthv2.py']
