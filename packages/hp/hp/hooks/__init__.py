"""HP's training hook (reference pools and the lambda schedule)."""
from .hidden_positives import HiddenPositivesHook, hp_lambda

__all__ = ['HiddenPositivesHook', 'hp_lambda']
