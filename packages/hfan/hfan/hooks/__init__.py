from .visualization import VOSMaskOverlayHook

__all__ = ['VOSMaskOverlayHook']
