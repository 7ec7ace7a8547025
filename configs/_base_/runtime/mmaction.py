# Runtime base for packages on mmaction2 1.x: mmengine.py with mmaction2's
# configs/_base_/default_runtime.py settings.
_base_ = ['./mmengine.py']

default_scope = 'mmaction'

default_hooks = dict(
    logger=dict(interval=20, ignore_last=False),
    checkpoint=dict(save_best='auto'),
    sync_buffers=dict(type='SyncBuffersHook'))

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)
