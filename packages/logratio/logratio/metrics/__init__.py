"""Metrics of logratio (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .pose_retrieval import PoseRetrievalMetric, pose_retrieval_scores

__all__ = ['PoseRetrievalMetric', 'pose_retrieval_scores']
