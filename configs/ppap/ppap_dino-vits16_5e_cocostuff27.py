# PPAP, COCO-Stuff-27 with DINO ViT-S/16: json/server/cocostuff16.json (the base's defaults).
# Data: five-crop train crops at 224 (tools/useg_five_crop.py), curated val at 320.
_base_ = ['../_base_/datasets/useg_cocostuff27.py', './_base_/ppap_dino.py']
custom_imports = dict(imports=['ppap'], allow_failed_imports=False)
# run.py validates with batch 8 (build_dataloader(..., batch_size=8))
val_dataloader = dict(batch_size=8)
test_dataloader = val_dataloader
