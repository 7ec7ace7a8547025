# UMIL on its synthetic set with the package's real model: a tiny UMILXCLIP from scratch
# (width 64, 2 vision layers of 16 x 16 patches, 1 text layer, T = 5, the size of
# packages/umil/tests/test_backbone.py), otherwise the stand-in synthetic config (32 x 32 crops,
# 8 clips x 5 frames, 6 epochs, UMIL step from epoch 3). CPU, seconds.
_base_ = ['./umil_standin_6e_synthetic.py']

model = dict(backbone=dict(
    _delete_=True, type='UMILXCLIP', num_frames=5, embed_dim=64, image_size=32, patch_size=16,
    vision_width=64, vision_layers=2, text_width=64, text_layers=1))
# the UMIL step at the MIL lr (3e-3), the setting its README figures were measured with (the
# stand-in config raised its UMIL lr to 1e-2 later)
optim_wrapper = dict(umil=dict(optimizer=dict(lr=3e-3)))
