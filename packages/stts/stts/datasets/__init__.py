from .kinetics import STTSDecordInit, STTSKineticsVideoDataset, check_kinetics, check_video_list
from .synthetic import CLASSES, COLOURS, make_synthetic_kinetics, render_clip

__all__ = ['CLASSES', 'COLOURS', 'STTSDecordInit', 'STTSKineticsVideoDataset', 'check_kinetics',
           'check_video_list', 'make_synthetic_kinetics', 'render_clip']
