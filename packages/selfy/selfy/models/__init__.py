"""Models of selfy (registered in mmaction2's ``MODELS`` through :mod:`selfy.registry`): the
SELFY block, inserted after res3 of mmaction2's TSM ResNet by
:mod:`cvshared.video.stage_blocks` (``ResNetTSMWithBlocks``)."""
import cvshared.video.stage_blocks  # noqa: F401  (registers ResNetTSMWithBlocks)

from .selfy_block import (
                          EXTRACTIONS,
                          SELFYBlock,
                          STSSExtraction,
                          STSSIntegration,
                          STSSTransformation,
)

__all__ = ['SELFYBlock', 'STSSTransformation', 'STSSExtraction', 'STSSIntegration',
           'EXTRACTIONS']
