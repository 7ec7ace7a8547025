# Runtime base for packages on mmdetection 3.x: mmengine.py with mmdet's
# configs/_base_/default_runtime.py settings.
_base_ = ['./mmengine.py']

default_scope = 'mmdet'

default_hooks = dict(logger=dict(interval=50))

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='DetLocalVisualizer', vis_backends=vis_backends)
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)
