# HGPU on DAVIS-16 val with the protocol of the reported numbers (official test_HGPU.py with
# use_flip = True, then apply_densecrf_davis.py): the stage-B model (its config, inherited),
# mean probability of the plain and the horizontally flipped pass, dense CRF on the frame.
# Paper (official README): J-Mean 86.0.
#   DATA_ROOT=/data/DAVIS .venv/bin/python tools/test.py \
#       configs/hgpu/hgpu_r101_flip-crf_davis16-val-512x512.py STAGE_B_CKPT
# (--cfg-options model.test_cfg.crf=False / flip=False switch either off)
_base_ = ['./hgpu_r101_4xb5-30e_davis16-512x512.py']
model = dict(test_cfg=dict(flip=True, crf=True))
