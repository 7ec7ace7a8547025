"""Data of webvideo_wsss: VOC 2012 (``cvshared.datasets.voc``), the crawled-video layout
(:mod:`.videos`), the decoder's frame set and transforms (:mod:`.transforms`) and the
synthetic generator (:mod:`.synthetic`)."""
from .synthetic import make_synthetic, make_video_synthetic, render_video
from .transforms import (
    WebVideoFrameDataset,
    WebVideoLoadMask,
    WebVideoPackInputs,
    WebVideoRandomFlip,
    WebVideoResize,
)
from .videos import read_video_list

__all__ = ['WebVideoFrameDataset', 'WebVideoLoadMask', 'WebVideoPackInputs',
           'WebVideoRandomFlip', 'WebVideoResize', 'make_synthetic', 'make_video_synthetic',
           'read_video_list', 'render_video']
