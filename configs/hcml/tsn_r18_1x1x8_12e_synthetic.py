# The base model of hcml_r18_1x1x8_12e_synthetic.py on the same data and schedule: the same 2D
# ResNet-18 recognizer (TSN-style average over the 8 frames) WITHOUT the motion hierarchy and
# the contrastive losses (motion=None, contrastive=None: mmaction2's ResNet forward exactly).
_base_ = ['./hcml_r18_1x1x8_12e_synthetic.py']
model = dict(backbone=dict(motion=None), contrastive=None)
