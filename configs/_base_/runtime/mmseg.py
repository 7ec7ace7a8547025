# Runtime base for packages on mmsegmentation 1.x: mmengine.py with mmseg's
# configs/_base_/default_runtime.py settings (iteration-based logging and checkpoints).
_base_ = ['./mmengine.py']

default_scope = 'mmseg'

default_hooks = dict(
    logger=dict(interval=50, log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=4000))

env_cfg = dict(cudnn_benchmark=True)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends)
log_processor = dict(by_epoch=False)

# test-time augmentation (tools/test.py --tta): the config adds its tta_pipeline
tta_model = dict(type='SegTTAModel')
