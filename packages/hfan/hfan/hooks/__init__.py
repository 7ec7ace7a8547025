from .visualization import VOSMaskVisualizationHook, draw_sample

__all__ = ['VOSMaskVisualizationHook', 'draw_sample']
