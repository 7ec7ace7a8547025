# UMIL on its synthetic set with the stand-in model whose video encoder is PRE-TRAINED on the
# synthetic action set (umil.pretrain: the analogue of the X-CLIP K400 weights the paper starts
# from; the heads start fresh, as UMIL's do). Otherwise the stand-in synthetic config.
# The weights load from a path, as the real config's k400_32_8.pth; regenerate them with
# `python -m umil.pretrain packages/umil/tests/data/standin_actions_pretrained.pt`.
_base_ = ['./umil_standin_6e_synthetic.py']

pretrained = '{{$UMIL_PRETRAINED:packages/umil/tests/data/standin_actions_pretrained.pt}}'
model = dict(backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=pretrained)))
