"""The synthetic world's frozen text encoder: the analogue of CLIP's text features for the
stand-in model (:class:`umil.testing.UMILStandIn` with ``text='words'``) and its pre-training
(:mod:`umil.pretrain` with ``text='words'``).

CLIP knows what a word means from web captions; X-CLIP learns Kinetics-400 against the frozen
CLIP text features of the class names (``MODEL.FIX_TEXT``), and UMIL's anomaly head compares
the video feature with the frozen text features of the prompts ``'normal'`` / ``'abnormal'``
(the official ``labels/*_2_labels.csv``). Here every word of a fixed vocabulary
(:data:`VOCABULARY`) has a fixed random unit vector (seeded, never trained), and the text
feature of a prompt is the normalised sum of its words' vectors: the captions of the synthetic
action classes (:data:`umil.datasets.action_synthetic.WORD_CAPTIONS`) carry an attribute word,
``'normal'`` or ``'abnormal'``, shared by three classes each (as captions teach CLIP such words
across many things), so a video encoder pre-trained against them learns a direction for the
attribute, and the prompts ``'normal'`` / ``'abnormal'`` are texts of the same vocabulary.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

#: Every word the synthetic captions and prompts may use, in a fixed order (the row of its
#: vector). Adding a word at the end keeps the others' vectors.
VOCABULARY = ('normal', 'abnormal', 'empty', 'street', 'slow', 'vehicle', 'walking', 'crowd',
              'fast', 'object', 'flickering', 'light', 'falling')
#: The seed of the word vectors (one draw for the whole vocabulary).
WORD_SEED = 2023


def word_vectors(dim: int, seed: int = WORD_SEED) -> torch.Tensor:
    """``[len(VOCABULARY), dim]`` fixed unit word vectors (float32, CPU)."""
    gen = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(len(VOCABULARY), dim, generator=gen), dim=-1)


def text_features(prompts: Sequence[str], dim: int, seed: int = WORD_SEED) -> torch.Tensor:
    """``[len(prompts), dim]`` unit text features: per prompt, the normalised sum of the vectors
    of its space-separated words. A word outside :data:`VOCABULARY` is an error naming it."""
    vec = word_vectors(dim, seed)
    rows = []
    for prompt in prompts:
        words = str(prompt).split()
        unknown = [w for w in words if w not in VOCABULARY]
        if not words or unknown:
            raise ValueError(f'prompt {prompt!r}: words {unknown or "(none)"} are not in the '
                             f'synthetic vocabulary umil.word_text.VOCABULARY {VOCABULARY}')
        rows.append(vec[[VOCABULARY.index(w) for w in words]].sum(0))
    return F.normalize(torch.stack(rows), dim=-1)
