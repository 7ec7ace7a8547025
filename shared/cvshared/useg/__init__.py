"""Unsupervised semantic segmentation tools shared by HP and PPAP: the five-crop pre-cropping
step (:mod:`cvshared.useg.five_crop`) and the frozen DINO ViT (:mod:`cvshared.useg.dino`,
imports timm). Submodules are imported on demand."""
