"""HP's hooks: the reference pools and the lambda schedule; the test-time pictures."""
from .hidden_positives import HiddenPositivesHook, hp_lambda
from .visualization import HPVisualizationHook, draw_sample

__all__ = ['HiddenPositivesHook', 'hp_lambda', 'HPVisualizationHook', 'draw_sample']
