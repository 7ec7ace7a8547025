"""Class-name prompts -> CLIP BPE token ids, offline.

UMIL's prompts are the bare class names of the official ``labels/ucf_2_labels.csv`` and
``labels/traffic_2_labels.csv`` (``0,normal`` / ``1,abnormal``; ``generate_text`` formats each
with ``'{}'``), tokenised by CLIP's tokenizer as ``[<|startoftext|>] + BPE(name) +
[<|endoftext|>]``, zero-padded to the context length (the official ``clip.tokenize``).

No tokenizer file ships with this package and none is downloaded: the ids of the default names
are committed constants (``COMMITTED_TOKENS``, produced by ``tests/golden/make_golden.py`` with
the official repository's tokenizer on CLIP's ``bpe_simple_vocab_16e6.txt.gz``; OpenAI CLIP, MIT
licence). Other names need a tokenizer: CLIP's ``bpe_simple_vocab_16e6.txt.gz`` file or a
transformers CLIP tokenizer folder (``vocab.json`` + ``merges.txt``), given as ``tokenizer``.
"""
from __future__ import annotations

import gzip
import json
import os
import os.path as osp
import tempfile
from collections.abc import Sequence

import torch

SOT, EOT = 49406, 49407  # CLIP's <|startoftext|> / <|endoftext|> ids (vocab of 49408)
# BPE ids (without SOT / EOT) of the official prompts, from the official tokenizer
COMMITTED_TOKENS = {'normal': (5967, ), 'abnormal': (40934, )}


def _bpe_tokenizer(path: str):
    """A transformers ``CLIPTokenizer`` with the vocabulary CLIP builds from its BPE merges file:
    the 256 byte symbols, the same with ``</w>``, one symbol per merge, then SOT and EOT."""
    from transformers.models.clip.tokenization_clip import CLIPTokenizer, bytes_to_unicode
    with gzip.open(path, 'rt', encoding='utf-8') as f:
        lines = f.read().split('\n')
    merges = [line for line in lines[1:49152 - 256 - 2 + 1] if line.strip()]
    symbols = list(bytes_to_unicode().values())
    vocab = symbols + [s + '</w>' for s in symbols] + [''.join(m.split()) for m in merges]
    vocab += ['<|startoftext|>', '<|endoftext|>']
    with tempfile.TemporaryDirectory() as tmp:
        with open(osp.join(tmp, 'vocab.json'), 'w', encoding='utf-8') as f:
            json.dump({s: i for i, s in enumerate(vocab)}, f)
        with open(osp.join(tmp, 'merges.txt'), 'w', encoding='utf-8') as f:
            f.write('#version: 0.2\n' + '\n'.join(merges) + '\n')
        return CLIPTokenizer(osp.join(tmp, 'vocab.json'), osp.join(tmp, 'merges.txt'))


def load_tokenizer(tokenizer: str):
    """``tokenizer``: a ``*.txt.gz`` BPE merges file or a transformers CLIP tokenizer folder."""
    if not osp.exists(tokenizer):
        raise FileNotFoundError(f'CLIP tokenizer {tokenizer!r} does not exist (give CLIP\'s '
                                'bpe_simple_vocab_16e6.txt.gz or a CLIP tokenizer folder)')
    if osp.isdir(tokenizer):
        from transformers import CLIPTokenizer
        return CLIPTokenizer.from_pretrained(tokenizer, local_files_only=True)
    if tokenizer.endswith('.gz'):
        return _bpe_tokenizer(tokenizer)
    raise ValueError(f'CLIP tokenizer {tokenizer!r}: expected a .txt.gz BPE file or a folder')


def tokenize(names: Sequence[str], tokenizer: str | None = None,
             context_length: int = 77) -> torch.Tensor:
    """``[len(names), context_length]`` long tensor of CLIP token ids, as ``clip.tokenize``.

    Names with committed ids need no tokenizer; with ``tokenizer`` given, every name goes
    through it (so a user tokenizer is used consistently)."""
    names = [str(n) for n in names]
    if tokenizer is None:
        unknown = [n for n in names if n not in COMMITTED_TOKENS]
        if unknown:
            raise ValueError(
                f'no committed CLIP token ids for class names {unknown} (committed: '
                f'{sorted(COMMITTED_TOKENS)}); give a CLIP tokenizer in the model config, '
                "tokenizer='path/to/bpe_simple_vocab_16e6.txt.gz' or a CLIP tokenizer folder")
        ids = [[SOT, *COMMITTED_TOKENS[n], EOT] for n in names]
    else:
        tok = load_tokenizer(os.fspath(tokenizer))
        ids = [tok(n)['input_ids'] for n in names]  # with its <|startoftext|> / <|endoftext|>
    out = torch.zeros(len(names), context_length, dtype=torch.long)
    for row, (name, seq) in enumerate(zip(names, ids)):
        if len(seq) > context_length:
            raise ValueError(f'class name {name!r} is {len(seq)} tokens long, more than the '
                             f'context length {context_length}')
        out[row, :len(seq)] = torch.tensor(seq)
    return out
