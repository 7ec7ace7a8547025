"""Unsupervised semantic segmentation tools shared by HP and PPAP (STEGO's protocol): the
five-crop pre-cropping step (:mod:`cvshared.useg.five_crop`), the frozen DINO ViT
(:mod:`cvshared.useg.dino`, imports timm), STEGO's linear and cluster probes and the k-means
baseline (:mod:`cvshared.useg.probes`), the segmentor base with the official evaluation
(:mod:`cvshared.useg.segmentor`) and the pictures (:mod:`cvshared.useg.visualization`).
Submodules are imported on demand."""
