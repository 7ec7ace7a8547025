"""UMIL's video-text model: X-CLIP (cross-frame communication ViT, multi-frame integration
transformer, video-specific prompt generator, cached frozen text features) with UMIL's two heads.

Built on ``transformers.models.x_clip`` (not vendored): the vision transformer, the text
transformer, the MIT and the prompt generator are transformers' modules, configured to be the
official UMIL / X-CLIP architecture (heads = width // 64 everywhere, QuickGELU, LayerNorm eps
1e-5, prompt alpha 0.1, 2 prompt layers, 1 MIT layer). The one piece transformers does
differently, the drop-path schedule (one rate for every layer instead of the official
``linspace(0, rate, layers)``), is set per layer after construction.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import BaseModule
from transformers.models.x_clip.configuration_x_clip import (
    XCLIPConfig,
    XCLIPTextConfig,
    XCLIPVisionConfig,
)
from transformers.models.x_clip.modeling_x_clip import XCLIPDropPath, XCLIPModel

from ..registry import MODELS


def xclip_config(embed_dim=512, image_size=224, patch_size=32, vision_width=768,
                 vision_layers=12, text_width=512, text_layers=12, context_length=77,
                 vocab_size=49408, num_frames=8, mit_layers=1, prompt_layers=2,
                 prompt_alpha=0.1) -> XCLIPConfig:
    """transformers' ``XCLIPConfig`` of the official architecture (heads = width // 64, as the
    official ``build_model``; MLPs 4x wide; QuickGELU; LayerNorm eps 1e-5; no dropout)."""
    for name, width in (('vision_width', vision_width), ('text_width', text_width),
                        ('embed_dim', embed_dim)):
        if width < 64 or width % 64:
            raise ValueError(f'{name}={width}: the official X-CLIP uses width // 64 heads, '
                             'so every width must be a positive multiple of 64')
    vision = XCLIPVisionConfig(
        hidden_size=vision_width, intermediate_size=4 * vision_width,
        num_hidden_layers=vision_layers, num_attention_heads=vision_width // 64,
        mit_hidden_size=embed_dim, mit_intermediate_size=4 * embed_dim,
        mit_num_hidden_layers=mit_layers, mit_num_attention_heads=embed_dim // 64,
        image_size=image_size, patch_size=patch_size, num_frames=num_frames,
        hidden_act='quick_gelu', layer_norm_eps=1e-5, attention_dropout=0.0,
        drop_path_rate=0.0)
    text = XCLIPTextConfig(
        vocab_size=vocab_size, hidden_size=text_width, intermediate_size=4 * text_width,
        num_hidden_layers=text_layers, num_attention_heads=text_width // 64,
        max_position_embeddings=context_length, hidden_act='quick_gelu', layer_norm_eps=1e-5,
        attention_dropout=0.0)
    return XCLIPConfig(text_config=text.to_dict(), vision_config=vision.to_dict(),
                       projection_dim=embed_dim, prompt_layers=prompt_layers,
                       prompt_alpha=prompt_alpha, prompt_hidden_act='quick_gelu',
                       prompt_num_attention_heads=embed_dim // 64,
                       prompt_attention_dropout=0.0, prompt_projection_dropout=0.0)


@MODELS.register_module()
class UMILXCLIP(BaseModule):
    """X-CLIP with UMIL's anomaly head ``head_video`` and cluster head ``u_head_video``.

    ``forward(imgs)`` with ``imgs`` a float tensor ``[B, T, 3, H, W]`` of *normalised* frames (the
    data preprocessor's mean / std already applied; ``T == num_frames``) returns, exactly as the
    official ``XCLIP.forward``:

    - ``y``: ``[B, K]`` anomaly logits ``s * <n(head_video(v)), n(t_b)>``,
    - ``y_cluster_all``: ``[B, K]`` cluster logits ``s * <n(u_head_video(v)), n(t_b)>``,
    - ``feature_v``: ``[B, D]`` the MIT video feature ``v`` (not normalised, before the heads),
    - in training mode only, ``y_cluster_all_nograd``: ``[B, K]``
      ``s * <u_head_video(v.detach()), n(t_b)>``: the official code does NOT normalise this
      video feature (the cluster head's output on a detached input, raw norm), and the text
      side keeps its gradient (it is the same normalised ``t_b`` as above),
    - in eval mode only, ``feature_t``: ``[B, K, D]`` the per-video text features ``t_b``
      (before normalisation).

    with ``s = logit_scale.exp()``, ``n(x) = x / |x|``, ``K = len(class_names)``, ``D = embed_dim``
    and ``t_b = c + prompts_generator(c, mean_T(visual tokens))`` where ``c`` ``[K, D]`` are the
    class-name text features. With ``use_cache`` (official default) ``c`` is computed once, at the
    first forward, in eval mode and without grad, and reused (the official ``cache_text``); it is
    recomputed after ``load_state_dict``.

    Args:
        embed_dim, image_size, patch_size, vision_width, vision_layers, text_width, text_layers,
        context_length, vocab_size, num_frames, mit_layers, prompt_layers, prompt_alpha:
            architecture (defaults: X-CLIP ViT-B/32, 8 frames; UMIL uses ``num_frames=5``).
        drop_path_rate: stochastic depth, official schedule ``linspace(0, rate, vision_layers)``
            on the message attention, the attention and the MLP of each vision block.
        class_names: the classes' prompts (UMIL: ``('normal', 'abnormal')``, the official
            ``labels/*_2_labels.csv`` names, each prompt the bare name).
        text_tokens: ``[K, context_length]`` CLIP BPE ids; default: :func:`umil.text.tokenize`
            of ``class_names`` (committed ids for the default names, else ``tokenizer``).
        tokenizer: a ``bpe_simple_vocab_16e6.txt.gz`` file or a transformers CLIP tokenizer
            folder, needed only for class names without committed ids.
        use_cache: cache the text features (official ``MODEL.FIX_TEXT``, default True).
        init_cfg: ``dict(type='Pretrained', checkpoint='checkpoints/k400_32_8.pth')`` loads an
            official X-CLIP / UMIL checkpoint (through :mod:`umil.convert`) or one of ours.
    """

    def __init__(self, embed_dim: int = 512, image_size: int = 224, patch_size: int = 32,
                 vision_width: int = 768, vision_layers: int = 12, text_width: int = 512,
                 text_layers: int = 12, context_length: int = 77, vocab_size: int = 49408,
                 num_frames: int = 8, mit_layers: int = 1, prompt_layers: int = 2,
                 prompt_alpha: float = 0.1, drop_path_rate: float = 0.0,
                 class_names: Sequence[str] = ('normal', 'abnormal'),
                 text_tokens: torch.Tensor | None = None, tokenizer: str | None = None,
                 use_cache: bool = True, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        cfg = xclip_config(embed_dim, image_size, patch_size, vision_width, vision_layers,
                           text_width, text_layers, context_length, vocab_size, num_frames,
                           mit_layers, prompt_layers, prompt_alpha)
        xclip = XCLIPModel(cfg)  # its post_init initialises every piece; we take them over
        self.vision_model = xclip.vision_model
        self.text_model = xclip.text_model
        self.visual_projection = xclip.visual_projection
        self.text_projection = xclip.text_projection
        self.logit_scale = xclip.logit_scale
        self.prompts_visual_layernorm = xclip.prompts_visual_layernorm
        self.prompts_visual_projection = xclip.prompts_visual_projection
        self.mit = xclip.mit
        self.prompts_generator = xclip.prompts_generator
        self.head_video = nn.Linear(embed_dim, embed_dim)
        self.u_head_video = nn.Linear(embed_dim, embed_dim)
        self._official_init()
        if drop_path_rate > 0:  # the official schedule, per layer (transformers: one rate)
            rates = torch.linspace(0, drop_path_rate, vision_layers).tolist()
            for layer, rate in zip(self.vision_model.encoder.layers, rates):
                layer.drop_path = XCLIPDropPath(rate) if rate > 0 else nn.Identity()
        self.num_frames = num_frames
        self.embed_dim = embed_dim
        self.class_names = tuple(class_names)
        if text_tokens is None:
            from ..text import tokenize
            text_tokens = tokenize(self.class_names, tokenizer=tokenizer,
                                   context_length=context_length)
        text_tokens = torch.as_tensor(text_tokens, dtype=torch.long)
        if text_tokens.shape != (len(self.class_names), context_length):
            raise ValueError(f'text_tokens has shape {tuple(text_tokens.shape)}, expected '
                             f'({len(self.class_names)}, {context_length})')
        self.register_buffer('text_tokens', text_tokens, persistent=False)
        self.use_cache = use_cache
        self.cache_text_features = None
        self._register_load_state_dict_pre_hook(self._drop_cache)

    # ------------------------------------------------------------------------------------------
    def _official_init(self):
        """Where transformers' initialisation (normal std 1 on every plain Linear, std 1 MIT
        positions) would make from-scratch training diverge, use the official one: truncated
        normal 0.02 / zero bias on the MIT and prompt-generator linears, MIT positions truncated
        normal 0.02, PyTorch's default on the two heads (the official leaves them at it)."""
        for module in (self.mit, self.prompts_generator):
            for m in module.modules():
                if isinstance(m, nn.Linear):
                    nn.init.trunc_normal_(m.weight, std=0.02)
                    if m.bias is not None:
                        nn.init.zeros_(m.bias)
        nn.init.trunc_normal_(self.mit.position_embedding, std=0.02)
        self.head_video.reset_parameters()
        self.u_head_video.reset_parameters()

    def _drop_cache(self, *args, **kwargs):
        self.cache_text_features = None

    def init_weights(self):
        """``init_cfg`` of type ``Pretrained``: load through :func:`load_pretrained` (official
        names converted); anything else: mmengine's initialisation."""
        cfg = self.init_cfg
        if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained' and cfg.get('checkpoint'):
            load_pretrained(self, cfg['checkpoint'])
            self._is_init = True
            return
        super().init_weights()

    # ------------------------------------------------------------------------------------------
    def encode_text(self, tokens: torch.Tensor) -> torch.Tensor:
        """``[K, L]`` token ids -> ``[K, D]`` text features (EOT token's state, projected)."""
        pooled = self.text_model(input_ids=tokens, return_dict=False)[1]
        return self.text_projection(pooled)

    def cached_text(self) -> torch.Tensor:
        """The class-name text features, computed once in eval mode without grad (official
        ``cache_text``), or every call without ``use_cache``."""
        if not self.use_cache:
            return self.encode_text(self.text_tokens)
        if self.cache_text_features is None:
            was_training = self.training
            self.eval()
            with torch.no_grad():
                self.cache_text_features = self.encode_text(self.text_tokens)
            self.train(was_training)
        return self.cache_text_features.to(self.text_tokens.device)

    def encode_video(self, imgs: torch.Tensor):
        """``[B, T, 3, H, W]`` -> (MIT video feature ``[B, D]``, visual tokens ``[B, T, N, D]``)."""
        b, t, c, h, w = imgs.shape
        if t != self.num_frames:
            raise ValueError(f'got {t} frames per clip, the model was built for num_frames='
                             f'{self.num_frames}')
        hidden, pooled = self.vision_model(pixel_values=imgs.reshape(-1, c, h, w),
                                           return_dict=False)[:2]
        cls_features = self.visual_projection(pooled).view(b, t, -1)
        img_features = self.prompts_visual_layernorm(hidden[:, 1:, :])
        img_features = (img_features @ self.prompts_visual_projection).view(b, t, -1,
                                                                            self.embed_dim)
        video_features = self.mit(cls_features, return_dict=False)[1]
        return video_features, img_features

    def forward(self, imgs: torch.Tensor) -> dict:
        b = imgs.shape[0]
        video_features, img_features = self.encode_video(imgs)
        img_features = img_features.mean(dim=1)
        text = self.cached_text().unsqueeze(0).expand(b, -1, -1)
        text = text + self.prompts_generator(text, img_features)
        scale = self.logit_scale.exp()
        v = self.head_video(video_features)
        v_u = self.u_head_video(video_features)
        v = v / v.norm(dim=-1, keepdim=True)
        v_u = v_u / v_u.norm(dim=-1, keepdim=True)
        t = text / text.norm(dim=-1, keepdim=True)
        out = dict(y=torch.einsum('bd,bkd->bk', v, scale * t),
                   y_cluster_all=torch.einsum('bd,bkd->bk', v_u, scale * t),
                   feature_v=video_features)
        if self.training:
            v_u_nograd = self.u_head_video(video_features.detach())  # official: not normalised
            out['y_cluster_all_nograd'] = torch.einsum('bd,bkd->bk', v_u_nograd, scale * t)
        else:
            out['feature_t'] = text
        return out


def load_pretrained(model: UMILXCLIP, path: str, logger='current') -> dict:
    """Load an official X-CLIP / UMIL checkpoint (or one of ours) into ``model``.

    Official checkpoints (``{'model': state_dict, ...}`` with CLIP names) go through
    :func:`umil.convert.convert` with ``drop_mit_positions=True`` as the official
    ``build_model`` (it deletes ``mit.positional_embedding`` whatever T, so the MIT positions
    start from their initialisation). The heads missing from an X-CLIP (not UMIL) checkpoint
    stay initialised; any other missing or unexpected key is an error. Returns the
    ``load_state_dict`` report."""
    from cvshared.checkpoint import load_checkpoint_file, state_dict_of

    from ..convert import EXTRA_SAFE_GLOBALS, convert, is_official
    state = state_dict_of(load_checkpoint_file(path, extra_safe_globals=EXTRA_SAFE_GLOBALS))
    if 'model' in state and isinstance(state['model'], dict):
        state = state['model']
    if is_official(state):
        state = convert(state, drop_mit_positions=True)
    report = model.load_state_dict(state, strict=False)
    allowed = {'mit.position_embedding', 'head_video.weight', 'head_video.bias',
               'u_head_video.weight', 'u_head_video.bias'}
    bad = [k for k in report.missing_keys if k not in allowed] + list(report.unexpected_keys)
    if bad:
        raise KeyError(f'{path}: keys that do not fit UMILXCLIP: {bad}')
    print_log(f'loaded {path}; initialised (not in the checkpoint): {report.missing_keys}',
              logger=logger)
    return report
