from .visualization import VOSMaskOverlayHook, draw_sample

__all__ = ['VOSMaskOverlayHook', 'draw_sample']
