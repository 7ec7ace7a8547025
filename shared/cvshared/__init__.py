"""Shared package of the paper-reproduction monorepo.

Importing it applies the stack fixes of :mod:`cvshared.compat` once (torch 2.13 checkpoint
loading for mmengine, mmaction2 1.2.0's missing DRN subpackage) and registers the shared
hooks (:class:`~cvshared.hooks.FailFastHook`). Every paper package imports
``cvshared`` first, so configs that ``custom_imports`` a paper package get the fixes too.
"""
from . import compat

compat.apply()

from . import hooks  # noqa: E402  (FailFastHook, registered in mmengine's root HOOKS)

__version__ = '0.1.0'
__all__ = ['compat', 'hooks']
