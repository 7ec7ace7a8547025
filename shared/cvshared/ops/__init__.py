"""See the module docstrings; components register on import of their module."""
