"""The frozen DINO ViT of STEGO / HP / PPAP, on timm's ``VisionTransformer``.

Architectures (``timm.create_model(arch, pretrained=False, num_classes=0)``; nothing is ever
downloaded, the weights come from a local file):

=============================  ======================  =========================================
timm architecture              official (HP / PPAP)    official DINO weight file
=============================  ======================  =========================================
``vit_small_patch16_224.dino``  ``vit_small``, patch 16  ``dino_deitsmall16_pretrain.pth``
``vit_small_patch8_224.dino``   ``vit_small``, patch 8   ``dino_deitsmall8_300ep_pretrain.pth``
``vit_base_patch8_224.dino``    ``vit_base``, patch 8    ``dino_vitbase8_pretrain.pth``
``vit_base_patch16_224.dino``   ``vit_base``, patch 16   ``dino_vitbase16_pretrain.pth``
=============================  ======================  =========================================

(HP / PPAP / STEGO load ``dino_deitsmall8_300ep_pretrain.pth`` for S/8; timm's ``.dino`` tag
points at the 800-epoch ``dino_deitsmall8_pretrain.pth``: same architecture, other weights.)

Keys. The official DINO ``vision_transformer.py`` (``model/dino/`` of both repositories) names
its parameters as timm does (``cls_token``, ``pos_embed``, ``patch_embed.proj``,
``blocks.<i>.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,mlp.fc2}``, ``norm``; tested on the
official module), so :func:`convert_dino_state_dict` only unwraps: a full DINO training
checkpoint's ``'teacher'`` entry (as HP's ``pretrained_weights`` path reads it), the
``module.`` / ``backbone.`` prefixes (removed by ``str.replace`` as the official does), and
drops the DINO projection head (``head.*``). Loading is strict (the official
``pretrained_weights`` path loads with ``strict=False`` and prints what it skipped).

Forward (:meth:`DinoViT.forward`), under ``torch.no_grad`` as the official
``DinoFeaturizer``:

- tokens: ``patch_embed`` -> ``[CLS]`` prepended -> the position embedding, interpolated as
  DINO's ``interpolate_pos_encoding`` does (bicubic with ``scale_factor = (n + 0.1) / sqrt(N)``,
  not timm's size-based resampling: they differ at e.g. the 320 x 320 evaluation, 40 x 40
  patches from a 28 x 28 table) -> blocks;
- ``feat`` ``[B, D, h, w]``: the final ``norm`` of the last block's output, patch tokens (HP's
  ``feat`` with ``dino_feat_type="feat"``; PPAP's ``crit_feat``);
- ``mid`` ``[B, D, h, w]`` and ``mid_tokens`` ``[B, 1 + hw, D]``: the second-to-last block's
  output, not normalised (PPAP's ``midfeat``, which its decoder -- a copy of the last block,
  :meth:`DinoViT.make_decoder` -- takes with the ``[CLS]`` token; :meth:`DinoViT.decode`);
- with ``with_attn=True``: ``attn`` ``[B, 1 + hw, 1 + hw]``, the last block's self-attention
  (softmax) averaged over heads (rows sum to 1), and ``attn_logits`` ``[B, hw, hw]``, the
  head-mean of the last block's *pre-softmax* scores ``q k^T / sqrt(d)`` between patch tokens:
  what HP's local hidden positives start from (``attn[:, :, 1:, 1:].mean(1)`` of the official
  ``attn_hook``, taken before the softmax, then quantile-clamped and re-softmaxed in HP).

Input sides must be multiples of the patch size (the official asserts it too).
"""
from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F
from mmengine.registry import MODELS
from torch import Tensor, nn

__all__ = ['DINO_ARCHS', 'OFFICIAL_WEIGHT_FILES', 'convert_dino_state_dict',
           'dino_interpolate_pos_embed', 'DinoViT']

DINO_ARCHS = {
    'vit_small_patch16_224.dino': ('vit_small', 16),
    'vit_small_patch8_224.dino': ('vit_small', 8),
    'vit_base_patch8_224.dino': ('vit_base', 8),
    'vit_base_patch16_224.dino': ('vit_base', 16),
}
OFFICIAL_WEIGHT_FILES = {
    'vit_small_patch16_224.dino': 'dino_deitsmall16_pretrain.pth',
    'vit_small_patch8_224.dino': 'dino_deitsmall8_300ep_pretrain.pth',
    'vit_base_patch8_224.dino': 'dino_vitbase8_pretrain.pth',
    'vit_base_patch16_224.dino': 'dino_vitbase16_pretrain.pth',
}


def convert_dino_state_dict(checkpoint: dict) -> dict:
    """An official DINO checkpoint (hub ``*_pretrain.pth`` state dict, a full training
    checkpoint with ``'teacher'``, or an mmengine ``{'state_dict': ...}``) -> timm ViT keys."""
    if not isinstance(checkpoint, dict):
        raise TypeError(f'a DINO checkpoint is a dict, got {type(checkpoint).__name__}')
    sd = checkpoint
    for key in ('teacher', 'state_dict'):
        if key in sd and isinstance(sd[key], dict):
            sd = sd[key]
            break
    sd = {k.replace('module.', ''): v for k, v in sd.items()}
    sd = {k.replace('backbone.', ''): v for k, v in sd.items()}
    return {k: v for k, v in sd.items() if not k.startswith('head.')}


def dino_interpolate_pos_embed(pos_embed: Tensor, gh: int, gw: int, img_h: int,
                               img_w: int) -> Tensor:
    """DINO's ``interpolate_pos_encoding`` for a ``gh x gw`` patch grid of an ``img_h x img_w``
    image: the table unchanged when the patch count matches and the image is square, else the
    patch part resampled bicubically with ``scale_factor = ((gh + 0.1) / sqrt(N), (gw + 0.1) /
    sqrt(N))`` (the official's ``w0, h0 = w0 + 0.1, h0 + 0.1``)."""
    n = pos_embed.shape[1] - 1
    if gh * gw == n and img_h == img_w:
        return pos_embed
    side = int(math.sqrt(n))
    if side * side != n:
        raise ValueError(f'position table of {n} patches is not square')
    cls_pos, patch_pos = pos_embed[:, :1], pos_embed[:, 1:]
    dim = pos_embed.shape[-1]
    patch_pos = F.interpolate(
        patch_pos.reshape(1, side, side, dim).permute(0, 3, 1, 2),
        scale_factor=((gh + 0.1) / side, (gw + 0.1) / side), mode='bicubic')
    if patch_pos.shape[-2:] != (gh, gw):
        raise RuntimeError(f'interpolated position grid {tuple(patch_pos.shape[-2:])} != '
                           f'{(gh, gw)}')
    return torch.cat((cls_pos, patch_pos.permute(0, 2, 3, 1).reshape(1, -1, dim)), dim=1)


@MODELS.register_module()
class DinoViT(nn.Module):
    """Frozen DINO ViT returning the features HP and PPAP use (module docstring).

    Args:
        arch: a timm ViT architecture (:data:`DINO_ARCHS`, or any timm ViT name with
            ``timm_kwargs``, e.g. a tiny one for tests).
        weights: path of the official DINO weights (:data:`OFFICIAL_WEIGHT_FILES`), loaded
            through :func:`cvshared.checkpoint.load_checkpoint_file` and
            :func:`convert_dino_state_dict`, strictly. ``None``: timm's random init (tests).
        timm_kwargs: passed to ``timm.create_model`` (``embed_dim``, ``depth``, ...).
    """

    def __init__(self, arch: str = 'vit_small_patch8_224.dino', weights: str | None = None,
                 **timm_kwargs):
        super().__init__()
        import timm
        timm_kwargs.setdefault('num_classes', 0)
        self.arch = arch
        self.vit = timm.create_model(arch, pretrained=False, **timm_kwargs)
        self.patch_size = self.vit.patch_embed.patch_size[0]
        self.embed_dim = self.vit.embed_dim
        if getattr(self.vit, 'num_prefix_tokens', 1) != 1 or self.vit.cls_token is None:
            raise ValueError(f'{arch}: DINO ViTs have exactly one prefix token ([CLS])')
        if weights is not None:
            self.load_weights(weights)
        for p in self.vit.parameters():
            p.requires_grad_(False)
        self.vit.eval()

    def load_weights(self, path: str) -> None:
        """Load official DINO weights (strict). A full DINO training checkpoint
        (``*_full_checkpoint.pth``: ``teacher``, ``student``, optimizer, ``args``) stores its
        command line as an ``argparse.Namespace``, the one class allowed besides tensors."""
        import argparse

        from cvshared.checkpoint import load_checkpoint_file
        sd = convert_dino_state_dict(load_checkpoint_file(
            path, extra_safe_globals=[argparse.Namespace]))
        own = self.vit.state_dict()
        missing = sorted(set(own) - set(sd))
        unexpected = sorted(set(sd) - set(own))
        if missing or unexpected:
            raise ValueError(f'{path}: not DINO weights for {self.arch} (missing keys '
                             f'{missing[:6]}, unexpected {unexpected[:6]}). Expected an '
                             f'official file such as {OFFICIAL_WEIGHT_FILES.get(self.arch)!r}')
        bad = [k for k in own if own[k].shape != sd[k].shape]
        if bad:
            raise ValueError(f'{path}: shapes differ from {self.arch} for {bad[:4]} (e.g. '
                             f'{tuple(sd[bad[0]].shape)} vs {tuple(own[bad[0]].shape)}): '
                             'weights of another ViT size or patch size?')
        self.vit.load_state_dict(sd, strict=True)

    def train(self, mode: bool = True):
        """The backbone stays in eval mode (the official calls ``model.eval()`` each forward)."""
        super().train(mode)
        self.vit.eval()
        return self

    def tokens(self, img: Tensor) -> Tensor:
        """``[B, 1 + hw, D]`` input tokens of the first block."""
        b, _, h, w = img.shape
        p = self.patch_size
        if h % p or w % p:
            raise ValueError(f'image {h} x {w} is not a multiple of the patch size {p}')
        x = self.vit.patch_embed.proj(img).flatten(2).transpose(1, 2)
        x = self.vit.patch_embed.norm(x)
        x = torch.cat((self.vit.cls_token.expand(b, -1, -1), x), dim=1)
        x = x + dino_interpolate_pos_embed(self.vit.pos_embed, h // p, w // p, h, w)
        return self.vit.norm_pre(self.vit.pos_drop(x))

    @staticmethod
    def _block_with_attention(blk: nn.Module, x: Tensor) -> tuple[Tensor, Tensor]:
        """timm's ``Block.forward`` written out, returning ``(out, pre-softmax scores
        [B, heads, N, N])``."""
        attn_mod = blk.attn
        bsz, n, _ = x.shape
        y = blk.norm1(x)
        qkv = attn_mod.qkv(y).reshape(bsz, n, 3, attn_mod.num_heads, attn_mod.head_dim)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        q, k = attn_mod.q_norm(q), attn_mod.k_norm(k)
        scores = (q * attn_mod.scale) @ k.transpose(-2, -1)
        a = attn_mod.attn_drop(scores.softmax(dim=-1))
        y = (a @ v).transpose(1, 2).reshape(bsz, n, -1)
        y = attn_mod.proj_drop(attn_mod.proj(attn_mod.norm(y)))
        x = x + blk.drop_path1(blk.ls1(y))
        x = x + blk.drop_path2(blk.ls2(blk.mlp(blk.norm2(x))))
        return x, scores

    def _grid(self, tokens: Tensor, h: int, w: int) -> Tensor:
        b, _, d = tokens.shape
        return tokens[:, 1:].reshape(b, h, w, d).permute(0, 3, 1, 2).contiguous()

    @torch.no_grad()
    def forward(self, img: Tensor, with_attn: bool = False) -> dict[str, Tensor]:
        h, w = img.shape[2] // self.patch_size, img.shape[3] // self.patch_size
        x = self.tokens(img)
        blocks = self.vit.blocks
        for blk in blocks[:-1]:
            x = blk(x)
        mid = x
        out = {'mid_tokens': mid, 'mid': self._grid(mid, h, w)}
        if with_attn:
            x, scores = self._block_with_attention(blocks[-1], mid)
            out['attn'] = scores.softmax(dim=-1).mean(1)
            out['attn_logits'] = scores[:, :, 1:, 1:].mean(1)
        else:
            x = blocks[-1](mid)
        out['feat'] = self._grid(self.vit.norm(x), h, w)
        return out

    def make_decoder(self) -> nn.Module:
        """A trainable deep copy of the last block (PPAP's decoder, initialised from DINO)."""
        dec = copy.deepcopy(self.vit.blocks[-1])
        for p in dec.parameters():
            p.requires_grad_(True)
        return dec.train()

    def decode(self, mid_tokens: Tensor, decoder: nn.Module) -> Tensor:
        """PPAP's ``image_feat``: the frozen final norm of ``decoder(mid_tokens)``, patch tokens
        ``[B, D, h, w]`` (grads flow into ``decoder``). With an untrained copy it equals
        ``feat``. The grid is taken square unless ``mid_tokens`` came from :meth:`forward` of a
        non-square image: pass that through :meth:`decode_grid` instead."""
        n = mid_tokens.shape[1] - 1
        side = int(math.isqrt(n))
        if side * side != n:
            raise ValueError(f'{n} patch tokens are not a square grid; use decode_grid(.., h, w)')
        return self.decode_grid(mid_tokens, decoder, side, side)

    def decode_grid(self, mid_tokens: Tensor, decoder: nn.Module, h: int, w: int) -> Tensor:
        """:meth:`decode` for an ``h x w`` patch grid."""
        return self._grid(self.vit.norm(decoder(mid_tokens)), h, w)
