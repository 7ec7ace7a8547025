"""Evaluation loops of dkl."""
from .robust import RobustTestLoop, build_attack

__all__ = ['RobustTestLoop', 'build_attack']
