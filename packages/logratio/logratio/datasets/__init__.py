"""Data of logratio: the pose-retrieval layout, dense triplet mining, the synthetic set."""
from .mining import (
                     DenseTripletDataset,
                     MinedEpochSampler,
                     dense_triplet_collate,
                     mine_binary,
                     mine_dense,
)
from .pose import (
                     PosePackInputs,
                     PoseRetrievalDataset,
                     PoseTranslation,
                     check_layout,
                     image_list,
                     load_neighbours,
                     load_val_distances,
)
from .synthetic import make_synthetic, write_pose_layout

__all__ = ['DenseTripletDataset', 'MinedEpochSampler', 'PosePackInputs', 'PoseRetrievalDataset',
           'PoseTranslation', 'check_layout', 'dense_triplet_collate', 'image_list',
           'load_neighbours', 'load_val_distances', 'make_synthetic', 'mine_binary',
           'mine_dense', 'write_pose_layout']
