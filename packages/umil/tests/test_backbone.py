"""UMILXCLIP beyond the goldens: the output contract of each mode, the gradient paths of the
official forward, the cached text, the drop-path schedule, input checks, and the offline
tokenizer (committed ids, a user BPE file, a clear error)."""
import gzip

import pytest
import torch
from umil.models.backbone import UMILXCLIP
from umil.text import COMMITTED_TOKENS, tokenize

TINY = dict(embed_dim=64, image_size=32, patch_size=16, vision_width=64, vision_layers=2,
            text_width=64, text_layers=1, num_frames=2)


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return UMILXCLIP(**TINY)


def test_outputs_and_gradient_paths_in_training(model):
    model.train()
    model.cache_text_features = None
    imgs = torch.randn(3, 2, 3, 32, 32)
    out = model(imgs)
    assert sorted(out) == ['feature_v', 'y', 'y_cluster_all', 'y_cluster_all_nograd']
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        'y': (3, 2), 'y_cluster_all': (3, 2), 'feature_v': (3, 64),
        'y_cluster_all_nograd': (3, 2)}
    # the cached text encoder gets no gradient; the no-grad branch reaches the cluster head
    # and, as officially, the text side (prompts, hence the visual tokens), not the MIT
    model.zero_grad()
    out['y_cluster_all_nograd'].sum().backward()
    assert model.u_head_video.weight.grad.abs().sum() > 0
    assert model.mit.position_embedding.grad is None
    assert model.head_video.weight.grad is None
    assert model.prompts_generator.alpha.grad.abs().sum() > 0
    model.zero_grad()
    model(imgs)['y'].sum().backward()
    assert model.vision_model.embeddings.patch_embedding.weight.grad.abs().sum() > 0
    assert model.text_model.embeddings.token_embedding.weight.grad is None
    # official quirk: the no-grad cluster logits use the unnormalised head output
    with torch.no_grad():
        out = model(imgs)
        v = model.u_head_video(out['feature_v'])
        assert not torch.allclose(out['y_cluster_all_nograd'], out['y_cluster_all'])
        ratio = out['y_cluster_all_nograd'] / out['y_cluster_all']
        torch.testing.assert_close(ratio, v.norm(dim=-1, keepdim=True).expand_as(ratio),
                                   rtol=1e-4, atol=1e-4)


def test_eval_outputs(model):
    model.eval()
    with torch.no_grad():
        out = model(torch.randn(2, 2, 3, 32, 32))
    assert sorted(out) == ['feature_t', 'feature_v', 'y', 'y_cluster_all']
    assert out['feature_t'].shape == (2, 2, 64)
    # |y| <= logit scale: cosine similarities times exp(logit_scale)
    assert out['y'].abs().max() <= model.logit_scale.exp() + 1e-4


def test_without_cache_the_text_encoder_trains():
    m = UMILXCLIP(**TINY, use_cache=False).train()
    m(torch.randn(1, 2, 3, 32, 32))['y'].sum().backward()
    assert m.text_model.embeddings.token_embedding.weight.grad.abs().sum() > 0
    assert m.cache_text_features is None


def test_drop_path_follows_the_official_linspace():
    m = UMILXCLIP(**{**TINY, 'vision_layers': 3}, drop_path_rate=0.2)
    layers = m.vision_model.encoder.layers
    assert isinstance(layers[0].drop_path, torch.nn.Identity)
    assert [round(layers[i].drop_path.drop_prob, 6) for i in (1, 2)] == [0.1, 0.2]


def test_bad_inputs_are_clear_errors(model):
    with pytest.raises(ValueError, match='num_frames=2'):
        model(torch.randn(1, 5, 3, 32, 32))
    with pytest.raises(ValueError, match='multiple of 64'):
        UMILXCLIP(**{**TINY, 'vision_width': 32})
    with pytest.raises(ValueError, match='shape'):
        UMILXCLIP(**TINY, text_tokens=torch.zeros(2, 10, dtype=torch.long))


def test_committed_token_ids():
    tokens = tokenize(['abnormal', 'normal'])
    assert tokens.shape == (2, 77)
    assert tokens[0, :4].tolist() == [49406, *COMMITTED_TOKENS['abnormal'], 49407, 0]
    assert tokens[1, :3].tolist() == [49406, 5967, 49407] and tokens[:, 3:].abs().sum() == 0


def test_other_class_names_need_a_tokenizer(tmp_path):
    with pytest.raises(ValueError, match="tokenizer='path/to/bpe_simple_vocab_16e6"):
        tokenize(['normal', 'road accident'])
    with pytest.raises(FileNotFoundError, match='missing.txt.gz'):
        tokenize(['normal'], tokenizer=str(tmp_path / 'missing.txt.gz'))
    # a BPE merges file in CLIP's format: header line, then one merge a line; the vocabulary is
    # 256 bytes, 256 bytes + '</w>', one symbol per merge, <|startoftext|>, <|endoftext|>
    bpe = tmp_path / 'mini.txt.gz'
    with gzip.open(bpe, 'wt', encoding='utf-8') as f:
        f.write('#version\nn o\nno r\nnor m\nnorm a\nnorma l</w>\n')
    tokens = tokenize(['normal', 'no'], tokenizer=str(bpe), context_length=6)
    n = ord('n') - ord('!')  # bytes_to_unicode: printable ASCII from '!' = 0
    o = ord('o') - ord('!') + 256
    assert tokens.tolist() == [[517, 516, 518, 0, 0, 0], [517, n, o, 518, 0, 0]]
    with pytest.raises(ValueError, match='context length'):
        tokenize(['normal'], tokenizer=str(bpe), context_length=2)
    # the same vocabulary as a transformers CLIP tokenizer folder
    from umil.text import load_tokenizer
    load_tokenizer(str(bpe)).save_pretrained(str(tmp_path / 'hf'))
    assert torch.equal(tokenize(['normal', 'no'], tokenizer=str(tmp_path / 'hf'),
                                context_length=6), tokens)
