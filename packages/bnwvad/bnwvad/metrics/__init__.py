"""Metrics of bnwvad: the shared frame-level metric (AUC, official trapezoid AP, AUC_sub,
AP_sub; keys ``video_anomaly/<key>``), registered in mmengine's root ``METRICS``; the configs use
it with ``snippet_to_frame='repeat'`` (the official ``np.repeat(score, 16)``)."""
from cvshared.metrics.video_anomaly import VideoAnomalyFrameMetric

__all__ = ['VideoAnomalyFrameMetric']
