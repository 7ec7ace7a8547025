"""Golden tensors of the official X-CLIP / UMIL model (tests/golden/, written by
tests/golden/make_golden.py from a checkout of the official repository; PROVENANCE.md says which
commit and command): the whole forward from raw frames (data preprocessor included) to y /
y_cluster_all / feature_v in eval and training mode, the MIT, the prompt generator, the cached
text features and the class-name token ids. The official weights are not stored: both codes get
the deterministic weights of the harness's ``fill`` (keyed by official name), ours through
``umil.convert``. The training goldens (losses, split) are in test_golden_training.py.
"""
import importlib.util
import json
import os.path as osp

import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from umil.convert import convert
from umil.models.backbone import UMILXCLIP
from umil.models.preprocessor import UMILDataPreprocessor
from umil.text import tokenize

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden')
# float32, the same operations up to summation order (fused q/k/v vs split, einsum vs matmul):
# measured max abs differences 2e-6 to 1.9e-5 (y, y_cluster_all, feature_v, |values| up to 4)
# and 3.8e-5 (y_cluster_all_nograd, not normalised, |values| up to 25); the pieces 0 to 7e-7
ATOL, RTOL = 1e-4, 1e-5


def harness():
    spec = importlib.util.spec_from_file_location('umil_make_golden',
                                                  osp.join(GOLDEN, 'make_golden.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def gold():
    return load_checkpoint_file(osp.join(GOLDEN, 'whole_forward.pt'))


def official_weights():
    with open(osp.join(GOLDEN, 'official_keys_tiny.json')) as f:
        shapes = json.load(f)
    return harness().fill(shapes)


def build(gold, weights=None):
    model = UMILXCLIP(**gold['model_kwargs'], class_names=gold['class_names'])
    model.load_state_dict(convert(official_weights() if weights is None else weights),
                          strict=True)
    return model


def normalise(gold):
    """Raw uint8 frames -> the model's input, through the package's data preprocessor."""
    pre = UMILDataPreprocessor(mean=gold['mean'], std=gold['std'])
    return pre(dict(inputs=gold['raw']))['inputs']


def run(model, gold, training):
    imgs = normalise(gold)
    model.train(training)
    with torch.no_grad():
        return model(imgs)


@pytest.mark.parametrize('mode', ['eval', 'train'])
def test_whole_forward_from_raw_frames_matches_official(gold, mode):
    """Raw uint8 frames -> our preprocessor -> every piece (ViT with message tokens, MIT,
    prompts, cached text, both heads) -> the official outputs, in eval and training mode."""
    out = run(build(gold), gold, mode == 'train')
    assert sorted(out) == sorted(gold[mode])
    for key, ref in gold[mode].items():
        torch.testing.assert_close(out[key], ref, atol=ATOL, rtol=RTOL, msg=key)
    # the golden is not degenerate: the two classes and the two videos differ by far more
    # than the tolerance (measured: 0.05 and 2.4)
    y = gold[mode]['y']
    assert (y[:, 0] - y[:, 1]).abs().min() > 100 * ATOL and (y[0] - y[1]).abs().max() > 1


@pytest.mark.parametrize('part', ['self_attn', 'message_attn', 'mit', 'prompt', 'text', 'heads'])
def test_a_one_percent_perturbation_moves_the_output_beyond_the_tolerance(gold, part):
    """Every attention (and the heads) matters at these weights: scaling its q / k (attention
    sharpness only) by 1.01, or a 1 % relative noise on the heads (a plain scaling of a head
    cancels in the normalisation), changes the golden outputs by more than 10x the
    tolerance, so the whole-forward test would catch an error there."""
    weights = official_weights()
    select = {
        'self_attn': lambda k: k.startswith('visual.') and '.attn.in_proj_weight' in k,
        'message_attn': lambda k: 'message_attn.in_proj_weight' in k,
        'mit': lambda k: k.startswith('mit.') and 'in_proj_weight' in k,
        'prompt': lambda k: k.endswith(('q_proj.weight', 'k_proj.weight')),
        'text': lambda k: k.startswith('transformer.') and 'in_proj_weight' in k,
        'heads': lambda k: k.startswith(('head_video.', 'u_head_video.')),
    }[part]
    keys = [k for k in weights if select(k)]
    assert keys
    for key in keys:
        if key.endswith('in_proj_weight'):  # q and k rows only: changes the softmax alone
            w = weights[key].clone()
            n = w.shape[0] // 3
            w[:2 * n] *= 1.01
            weights[key] = w
        else:
            noise = torch.randn(weights[key].shape, generator=torch.Generator().manual_seed(1))
            weights[key] = weights[key] * (1 + 0.01 * noise)
    out = run(build(gold, weights), gold, False)
    moved = max((out[k] - gold['eval'][k]).abs().max().item() for k in ('y', 'y_cluster_all'))
    assert moved > 10 * ATOL, f'{part}: a 1 % change moved the logits by {moved:.2e} only'


def test_mit_matches_official(gold):
    ref = load_checkpoint_file(osp.join(GOLDEN, 'mit.pt'))
    model = build(gold).eval()
    with torch.no_grad():
        out = model.mit(ref['x'], return_dict=False)[1]
    torch.testing.assert_close(out, ref['out'], atol=ATOL, rtol=RTOL)


def test_prompt_generator_matches_official(gold):
    ref = load_checkpoint_file(osp.join(GOLDEN, 'prompt_generator.pt'))
    model = build(gold).eval()
    with torch.no_grad():
        out = model.prompts_generator(ref['text'], ref['visual'])
    torch.testing.assert_close(out, ref['out'], atol=ATOL, rtol=RTOL)
    assert ref['out'].abs().max() > 0.1  # alpha 0.5: the prompts are not negligible


def test_cached_text_features_and_token_ids_match_official(gold):
    ref = load_checkpoint_file(osp.join(GOLDEN, 'text_features.pt'))
    assert torch.equal(tokenize(gold['class_names']), ref['tokens'])
    model = build(gold).train()
    assert model.cache_text_features is None
    first = model.cached_text()
    torch.testing.assert_close(first, ref['text_features'], atol=ATOL, rtol=RTOL)
    assert model.training and not first.requires_grad  # computed in eval mode, without grad
    assert model.cached_text() is first  # computed once
    model.load_state_dict(model.state_dict())  # new weights: the cache is dropped
    assert model.cache_text_features is None


def test_harness_refuses_a_folder_that_is_not_a_checkout(tmp_path, capsys):
    with pytest.raises(SystemExit):
        harness().main([str(tmp_path / 'no_checkout')])
    assert 'no_checkout' in capsys.readouterr().err
