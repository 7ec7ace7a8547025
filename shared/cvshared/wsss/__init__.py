"""Weakly supervised semantic / instance segmentation pieces shared by PSA, IRN and the later
WSSS papers. Import the submodules themselves (nothing heavy is imported here):

- :mod:`cvshared.wsss.cam`: multi-scale + flip CAM inference, background channel, CAM files;
- :mod:`cvshared.wsss.crf`: dense CRF wrappers (pydensecrf2);
- :mod:`cvshared.wsss.export`: pseudo labels as VOC palette PNGs and COCO json (RLE);
- :mod:`cvshared.wsss.deeplab`: DeepLab v2's ASPP classifier head (mmseg) and the pseudo-label
  dataset of the final DeepLab stage.

The staged pipeline that chains them is :mod:`cvshared.engine.stages` (``tools/stage.py``).
"""
