"""Video recognition pieces shared by the action-recognition papers (SELFY, MotionSqueeze and
later ones). Import the submodules themselves (they import mmaction2):

- :mod:`cvshared.video.stage_blocks`: mmaction2 ResNet / ResNet-TSM backbones with blocks
  inserted after (or before, or inside) a chosen stage.
"""
