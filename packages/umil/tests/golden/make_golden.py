"""Regenerate the golden files of umil's X-CLIP model from a checkout of the official repository.

    python packages/umil/tests/golden/make_golden.py /path/to/official/checkout [--out DIR]

Our harness only: it imports the official modules from the checkout (``sys.path``), patches
CUDA-only calls at run time (never edits a file), fills the official model with the
deterministic weights of :func:`fill` (so the tests rebuild the same weights without storing
them), runs it on seeded inputs and saves inputs and outputs. It contains no official code.
The files and the official functions behind them: PROVENANCE.md. (The training goldens have
their own harness, ``make_golden_training.py``.)
"""
from __future__ import annotations

import argparse
import json
import math
import os.path as osp
import sys

from cvshared.harness import cuda_calls_on_cpu

HERE = osp.dirname(osp.abspath(__file__))

# the tiny official-architecture model of the goldens (widths must be multiples of 64: the
# official code uses width // 64 heads); XCLIP's positional arguments, then its keywords
TINY = dict(embed_dim=64, image_resolution=32, vision_layers=2, vision_width=64,
            vision_patch_size=16, context_length=77, vocab_size=49408, transformer_width=64,
            transformer_heads=1, transformer_layers=1)
TINY_KW = dict(T=3, mit_layers=1, prompts_alpha=0.1, prompts_layers=2, use_cache=True)
# the same model in our constructor's terms
OURS = dict(embed_dim=64, image_size=32, patch_size=16, vision_width=64, vision_layers=2,
            text_width=64, text_layers=1, context_length=77, vocab_size=49408, num_frames=3,
            mit_layers=1, prompt_layers=2, prompt_alpha=0.1)
# X-CLIP ViT-B/32, the k400_32_8.pth architecture with UMIL's T=5 (for the key list only)
VITB32 = dict(embed_dim=512, image_resolution=224, vision_layers=12, vision_width=768,
              vision_patch_size=32, context_length=77, vocab_size=49408, transformer_width=512,
              transformer_heads=8, transformer_layers=12)
VITB32_KW = dict(T=5, mit_layers=1, prompts_alpha=0.1, prompts_layers=2)
CLASS_NAMES = ('normal', 'abnormal')  # the official labels/ucf_2_labels.csv, traffic_2_labels.csv
MEAN = (123.675, 116.28, 103.53)  # the official img_norm_cfg (datasets/build.py)
STD = (58.395, 57.12, 57.375)


def sharp_scale(key: str) -> float:
    """Scales of :func:`fill`: packed q/k/v of every attention and the prompt generator's q / k
    at 0.3 (attention logits of std about ``64 * 0.3^2`` = 6: far from uniform), the rest at 0.1."""
    if key.endswith('in_proj_weight') or key.endswith(('q_proj.weight', 'k_proj.weight')):
        return 0.3
    return 0.1


def fill(shapes: dict) -> dict:
    """Deterministic weights by OFFICIAL name: key ``i`` of the sorted names gets
    ``randn(generator seed i) * sharp_scale(key)``, plus 1 for LayerNorm weights; the logit scale
    is the official ``log(1 / 0.07)`` and the prompt generator's ``alpha`` is ``0.5 + 0.1 r``
    (larger than the official 0.1 init so that the prompts move the logits well beyond the
    tolerance)."""
    import torch
    out = {}
    for i, key in enumerate(sorted(shapes)):
        shape = tuple(shapes[key])
        r = torch.randn(shape, generator=torch.Generator().manual_seed(i))
        parts = key.split('.')
        if key == 'logit_scale':
            out[key] = torch.tensor(math.log(1 / 0.07))
        elif key == 'prompts_generator.alpha':
            out[key] = 0.5 + 0.1 * r
        elif len(parts) >= 2 and ('ln' in parts[-2] or 'norm' in parts[-2]) \
                and parts[-1] == 'weight':
            out[key] = 1 + 0.1 * r
        else:
            out[key] = r * sharp_scale(key)
    return out


def official_model(kwargs, kw):
    import clip  # noqa: F401  (the official package: imported first, models.xclip needs it)
    from models.xclip import XCLIP
    return XCLIP(*kwargs.values(), **kw)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    if not osp.isdir(osp.join(args.checkout, 'models')) or \
            not osp.isfile(osp.join(args.checkout, 'models', 'xclip.py')):
        parser.error(f'{args.checkout} is not a checkout of the official repository')
    sys.path.insert(0, osp.abspath(args.checkout))
    import torch
    torch.set_num_threads(1)
    with cuda_calls_on_cpu():
        import clip
        from clip.simple_tokenizer import SimpleTokenizer

        # the committed token ids of umil.text, from the official tokenizer
        tokens = clip.tokenize([c for c in CLASS_NAMES], context_length=77)
        bpe = {c: SimpleTokenizer().encode(c) for c in CLASS_NAMES}

        # key lists (name -> shape) of the tiny model and of X-CLIP ViT-B/32 with UMIL's heads
        for name, (a, k) in (('official_keys_tiny', (TINY, TINY_KW)),
                             ('official_keys_vitb32', (VITB32, VITB32_KW))):
            sd = official_model(a, k).state_dict()
            with open(osp.join(args.out, f'{name}.json'), 'w') as f:
                json.dump({key: list(v.shape) for key, v in sd.items()}, f, indent=0)

        model = official_model(TINY, TINY_KW)
        shapes = {key: v.shape for key, v in model.state_dict().items()}
        model.load_state_dict(fill(shapes), strict=True)
        model.eval()

        g = torch.Generator().manual_seed(0)
        B, T = 2, TINY_KW['T']
        raw = torch.randint(0, 256, (B, T, 3, 32, 32), generator=g, dtype=torch.uint8)  # frames
        mean = torch.tensor(MEAN).view(3, 1, 1)
        std = torch.tensor(STD).view(3, 1, 1)
        imgs = (raw.float() - mean) / std  # the official pipeline's Normalize (to_bgr=False)
        with torch.no_grad():
            out_eval = model(imgs, tokens)
            model.cache_text_features = None
            model.train()
            out_train = model(imgs, tokens)
            model.eval()
            text_features = model.cache_text_features.clone()
            # the pieces, on their own seeded inputs
            cls = torch.randn(B, T, 64, generator=g)
            mit = model.mit(cls)
            text_in = torch.randn(B, 2, 64, generator=g)
            visual_in = torch.randn(B, 4, 64, generator=g)
            prompt = model.prompts_generator(text_in, visual_in)
        keep = ('y', 'y_cluster_all', 'feature_v', 'feature_t', 'y_cluster_all_nograd')
        torch.save(dict(
            model_kwargs=OURS, class_names=CLASS_NAMES, mean=MEAN, std=STD, raw=raw,
            eval={k: v for k, v in out_eval.items() if k in keep},
            train={k: v for k, v in out_train.items() if k in keep}),
            osp.join(args.out, 'whole_forward.pt'))
        torch.save(dict(tokens=tokens, bpe=bpe, text_features=text_features),
                   osp.join(args.out, 'text_features.pt'))
        torch.save(dict(x=cls, out=mit), osp.join(args.out, 'mit.pt'))
        torch.save(dict(text=text_in, visual=visual_in, out=prompt),
                   osp.join(args.out, 'prompt_generator.pt'))
    print(f'wrote the golden files to {args.out}; committed token ids: {bpe}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
