# Runtime base for packages on mmpretrain 1.x: mmengine.py with mmpretrain's
# configs/_base_/default_runtime.py settings.
_base_ = ['./mmengine.py']

default_scope = 'mmpretrain'

default_hooks = dict(logger=dict(interval=100))

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
randomness = dict(deterministic=False)
