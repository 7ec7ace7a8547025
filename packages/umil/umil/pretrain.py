"""Pre-training of the stand-in video encoder on the synthetic action set: the analogue of the
X-CLIP Kinetics-400 pre-training that UMIL starts from (the paper fine-tunes ``k400_32_8.pth``).

The encoder (``UMILStandIn.frame``, the part that makes the video feature ``v``) learns to
classify the clips of :func:`umil.datasets.action_synthetic.make_action_clips` as X-CLIP
learns K400: by the scaled cosine between ``v`` and a fixed embedding per class name, softmax
cross-entropy. The embeddings (``text``): ``'random'`` (default; the committed
``standin_actions_pretrained.pt``): a random unit vector per class of
:data:`~umil.datasets.action_synthetic.ACTION_CLASSES`; ``'words'`` (the committed
``standin_actions_words_pretrained.pt``): the frozen "text features" of the captions of
:data:`~umil.datasets.action_synthetic.WORD_CLASSES` (:data:`~umil.datasets.action_synthetic.
WORD_CAPTIONS`, composed from the word vectors of :mod:`umil.word_text`), as X-CLIP learns
K400 against CLIP's frozen text features of the class names. The
heads and the class embeddings of UMIL are not pre-trained (they are UMIL's own, as
``head_video`` / ``u_head_video`` are not in the K400 checkpoint). Input processing is the
synthetic UMIL config's: ``Resize(scale=(-1, 36))`` (mmcv bilinear), 32 x 32 crops (random +
horizontal flip in training, centre for evaluation), the official ``img_norm_cfg``.

``python -m umil.pretrain OUT.pt [--text words]`` writes ``{'state_dict': {'frame.*': ...},
'meta': ...}``,
loadable through ``init_cfg=dict(type='Pretrained', checkpoint=OUT.pt)`` of ``UMILStandIn``
(the synthetic config ``umil_standin-pt_6e_synthetic.py``). Deterministic on CPU for a given
seed and thread count (one thread: the committed checkpoint).
"""
from __future__ import annotations

import argparse

import numpy as np
import torch
import torch.nn.functional as F

from .datasets.action_synthetic import (
    ACTION_CLASSES,
    WORD_CAPTIONS,
    WORD_CLASSES,
    make_action_clips,
)
from .models.preprocessor import CLIP_MEAN, CLIP_STD

#: The tool's defaults (those of the committed ``tests/data/standin_actions_pretrained.pt``).
DEFAULTS = dict(num_per_cell=40, num_val_per_cell=10, steps=1500, batch_size=48, lr=3e-3,
                weight_decay=1e-3, logit_scale=4.0, embed_dim=32, channels=16, crop=32,
                short_side=36, seed=0, text='random')
#: The settings of the ``text='words'`` checkpoint (``--text words``).
WORD_DEFAULTS = dict(DEFAULTS, text='words')


def _resize(clips: np.ndarray, short_side: int) -> torch.Tensor:
    """uint8 ``[N, T, H, W, 3]`` -> float normalised ``[N, T, 3, h, w]`` (short side)."""
    import mmcv
    n, t, h, w, _ = clips.shape
    scale = short_side / min(h, w)
    size = (int(round(w * scale)), int(round(h * scale)))
    out = np.stack([[mmcv.imresize(f, size) for f in clip] for clip in clips])
    x = torch.from_numpy(out).permute(0, 1, 4, 2, 3).float()
    mean = torch.tensor(CLIP_MEAN).view(3, 1, 1)
    std = torch.tensor(CLIP_STD).view(3, 1, 1)
    return (x - mean) / std


def _centre(x: torch.Tensor, crop: int) -> torch.Tensor:
    h, w = x.shape[-2:]
    top, left = (h - crop) // 2, (w - crop) // 2
    return x[..., top:top + crop, left:left + crop]


def _random_crops(x: torch.Tensor, crop: int, gen: torch.Generator) -> torch.Tensor:
    h, w = x.shape[-2:]
    out = []
    for clip in x:
        top = int(torch.randint(0, h - crop + 1, (1,), generator=gen))
        left = int(torch.randint(0, w - crop + 1, (1,), generator=gen))
        c = clip[..., top:top + crop, left:left + crop]
        if bool(torch.rand(1, generator=gen) < 0.5):
            c = c.flip(-1)
        out.append(c)
    return torch.stack(out)


def class_embeddings(num_classes: int, dim: int, seed: int = 0) -> torch.Tensor:
    """The fixed unit 'text' embedding of each action class ``[C, D]``."""
    gen = torch.Generator().manual_seed(seed + 1000)
    return F.normalize(torch.randn(num_classes, dim, generator=gen), dim=-1)


def class_texts(text: str, dim: int, seed: int = 0):
    """``(class names, [C, D] unit embeddings)`` of the pre-training with ``text``."""
    if text == 'random':
        return ACTION_CLASSES, class_embeddings(len(ACTION_CLASSES), dim, seed)
    if text == 'words':
        from .word_text import text_features
        return WORD_CLASSES, text_features([WORD_CAPTIONS[c] for c in WORD_CLASSES], dim)
    raise ValueError(f"text must be 'random' or 'words', got {text!r}")


def encode(backbone, x: torch.Tensor, batch: int = 128) -> torch.Tensor:
    """``feature_v`` of ``x [N, T, 3, h, w]`` (eval mode, no grad)."""
    was = backbone.training
    backbone.eval()
    with torch.no_grad():
        v = torch.cat([backbone(x[i:i + batch])['feature_v'] for i in range(0, len(x), batch)])
    backbone.train(was)
    return v


def pretrain(**kwargs):
    """Pre-train a ``UMILStandIn`` encoder. Returns ``(backbone, meta)``; ``meta`` has the
    settings and the training / held-out accuracy (held-out: clips of another seed)."""
    from .testing import UMILStandIn
    cfg = dict(DEFAULTS, **kwargs)
    unknown = set(cfg) - set(DEFAULTS)
    if unknown:
        raise TypeError(f'unknown pretrain settings {sorted(unknown)}')
    classes, emb = class_texts(cfg['text'], cfg['embed_dim'], cfg['seed'])
    torch.manual_seed(cfg['seed'])
    clips, labels, scenes = make_action_clips(cfg['num_per_cell'], seed=cfg['seed'],
                                              classes=classes)
    x = _resize(clips, cfg['short_side'])
    y = torch.from_numpy(labels)
    backbone = UMILStandIn(embed_dim=cfg['embed_dim'], channels=cfg['channels'])
    params = list(backbone.frame.parameters())
    opt = torch.optim.AdamW(params, lr=cfg['lr'], betas=(0.9, 0.98), eps=1e-8,
                            weight_decay=cfg['weight_decay'])
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cfg['steps'], cfg['lr'] / 100)
    gen = torch.Generator().manual_seed(cfg['seed'])
    backbone.train()
    losses = []
    for _ in range(cfg['steps']):
        idx = torch.randint(0, len(x), (cfg['batch_size'],), generator=gen)
        v = backbone(_random_crops(x[idx], cfg['crop'], gen))['feature_v']
        logits = cfg['logit_scale'] * F.normalize(v, dim=-1) @ emb.t()
        loss = F.cross_entropy(logits, y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))

    def predict(xs):
        v = encode(backbone, _centre(xs, cfg['crop']))
        return (F.normalize(v, dim=-1) @ emb.t()).argmax(1)

    def accuracy(xs, ys):
        return float((predict(xs) == ys).float().mean())

    val_clips, val_labels, _ = make_action_clips(cfg['num_val_per_cell'], seed=cfg['seed'] + 1,
                                                 classes=classes)
    xv = _resize(val_clips, cfg['short_side'])
    yv = torch.from_numpy(val_labels)
    pv = predict(xv)
    meta = dict(cfg, classes=list(classes), final_loss=float(np.mean(losses[-20:])),
                train_accuracy=accuracy(x, y), val_accuracy=float((pv == yv).float().mean()),
                val_accuracy_per_class={c: float((pv[yv == k] == k).float().mean())
                                        for k, c in enumerate(classes)})
    if cfg['text'] == 'words':
        meta['captions'] = [WORD_CAPTIONS[c] for c in classes]
    return backbone, meta


def save_encoder(backbone, meta: dict, path: str) -> None:
    """The encoder's weights (``frame.*``, UMILStandIn's names) and ``meta``, plain types."""
    state = {k: v.detach().clone() for k, v in backbone.state_dict().items()
             if k.startswith('frame.')}
    torch.save(dict(state_dict=state, meta=meta), path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('out', help='checkpoint to write (.pt)')
    parser.add_argument('--steps', type=int, default=DEFAULTS['steps'])
    parser.add_argument('--num-per-cell', type=int, default=DEFAULTS['num_per_cell'])
    parser.add_argument('--seed', type=int, default=DEFAULTS['seed'])
    parser.add_argument('--text', choices=('random', 'words'), default=DEFAULTS['text'],
                        help="class embeddings: random vectors (default) or the captions' "
                             'composed word vectors (umil.word_text)')
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    backbone, meta = pretrain(steps=args.steps, num_per_cell=args.num_per_cell, seed=args.seed,
                              text=args.text)
    save_encoder(backbone, meta, args.out)
    print({k: meta[k] for k in ('final_loss', 'train_accuracy', 'val_accuracy')})
    return meta


if __name__ == '__main__':
    main()
