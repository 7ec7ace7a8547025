"""The text prior's analogue: the synthetic world's frozen word vectors and text features
(umil.word_text), the stand-in's class embeddings made of them (text='words') against the
former random ones (text='random', the default), and the diagnosis' identity heads."""
import pytest
import torch
import torch.nn.functional as F


def test_a_prompts_text_feature_is_the_normalised_sum_of_its_word_vectors():
    from umil.word_text import VOCABULARY, WORD_SEED, text_features, word_vectors
    vec = word_vectors(32)
    assert vec.shape == (len(VOCABULARY), 32)
    torch.testing.assert_close(vec.norm(dim=1), torch.ones(len(VOCABULARY)))
    # fixed: the same draw every time, another seed another draw
    assert torch.equal(word_vectors(32), vec)
    assert not torch.allclose(word_vectors(32, WORD_SEED + 1), vec)
    i = {w: VOCABULARY.index(w) for w in ('abnormal', 'fast', 'object', 'normal')}
    got = text_features(['abnormal fast object', 'normal'], 32)
    want0 = vec[i['abnormal']] + vec[i['fast']] + vec[i['object']]
    torch.testing.assert_close(got[0], want0 / want0.norm())
    torch.testing.assert_close(got[1], vec[i['normal']])
    # the attribute is shared: every 'abnormal ...' caption is closer to the prompt 'abnormal'
    # than to 'normal', and the other way round
    from umil.datasets.action_synthetic import WORD_CAPTIONS
    caps = list(WORD_CAPTIONS.values())
    prompts = text_features(['normal', 'abnormal'], 32)
    sim = text_features(caps, 32) @ prompts.t()
    ab = torch.tensor([c.split()[0] == 'abnormal' for c in caps])
    assert ab.sum() == 3 and (~ab).sum() == 3
    assert bool((sim[ab, 1] > sim[ab, 0]).all()) and bool((sim[~ab, 0] > sim[~ab, 1]).all())
    with pytest.raises(ValueError, match=r"'juggling'.*VOCABULARY"):
        text_features(['abnormal juggling'], 32)
    with pytest.raises(ValueError, match='not in the synthetic vocabulary'):
        text_features([''], 32)


def test_the_stand_in_class_embeddings_random_or_the_prompts_text():
    from umil.testing import UMILStandIn
    from umil.word_text import text_features
    old = UMILStandIn(embed_dim=32, channels=4)
    rand = torch.randn(2, 32, generator=torch.Generator().manual_seed(0))
    assert torch.equal(old.text_features, F.normalize(rand, dim=-1))   # the former default
    words = UMILStandIn(embed_dim=32, channels=4, text='words')
    assert torch.equal(words.text_features, text_features(['normal', 'abnormal'], 32))
    with pytest.raises(ValueError, match="text must be 'random' or 'words'"):
        UMILStandIn(text='clip')
    with pytest.raises(ValueError, match='class_names'):
        UMILStandIn(text='words', class_names=('normal', ))


def test_identity_heads_score_the_video_feature_against_the_prompts():
    from umil.testing import UMILStandIn
    torch.manual_seed(0)
    m = UMILStandIn(embed_dim=16, channels=4, text='words', head_init='identity').eval()
    x = torch.randn(3, 2, 3, 8, 8)
    out = m(x)
    want = m.logit_scale.exp() * F.normalize(out['feature_v'], dim=-1) @ m.text_features.t()
    torch.testing.assert_close(out['y'], want)
    torch.testing.assert_close(out['y_cluster_all'], want)
    torch.manual_seed(0)
    default = UMILStandIn(embed_dim=16, channels=4, text='words').eval()
    assert not torch.allclose(default(x)['y'], want, atol=1e-3)
    with pytest.raises(ValueError, match="head_init must be"):
        UMILStandIn(head_init='zeros')
