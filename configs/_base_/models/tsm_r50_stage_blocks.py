# TSM ResNet-50 (mmaction2's ResNetTSM: 1/8 of the channels shifted each way on every block's
# residual branch, zero-padded) with paper blocks inserted by cvshared.video.stage_blocks:
# a paper config sets model.backbone.blocks, e.g. SELFY / MotionSqueeze after res3:
#   model = dict(backbone=dict(blocks=[dict(stage='layer2', block=dict(type='SELFYBlock'))]))
# 8 segments, 2D ImageNet ResNet-50 from a path (torchvision's resnet50-19c8e357.pth, the
# official repositories' initialisation; ResNetTSM maps its names), TSMHead (GAP, dropout 0.5,
# average consensus), mmaction2's own tsm_r50.py otherwise.
# No custom_imports and no top-level variables here: the dataset bases beside it define them,
# and mmengine refuses a key defined by two sibling bases. The paper package registers
# ResNetTSMWithBlocks by importing cvshared.video.stage_blocks (its custom_imports).
_base_ = ['mmaction::_base_/models/tsm_r50.py']
model = dict(
    backbone=dict(type='ResNetTSMWithBlocks', num_segments=8,
                  pretrained='checkpoints/resnet50-19c8e357.pth', blocks=[]),
    cls_head=dict(num_segments=8))
