"""Every paper package has the template's shape (tests/package_shape.py lists the checks):
README headings, golden harness + provenance, PaperSpec, synthetic config, visualization hook
referenced by its config, metafile, converter module + thin entry point, test names, and no
direct torch.load outside the one checkpoint loader."""
import os.path as osp

import pytest
from package_shape import readme_problems, shape_problems, torch_load_problems
from repo_helpers import REPO, load_tool

KEYS = load_tool('papers_table').paper_keys()

# The one loader and its tests may call torch.load; compat.py patches mmengine's use of it
# (tested in tests/test_compat.py); the safety test shows the unsafe load of its probe is live.
TORCH_LOAD_ALLOWED = {'shared/cvshared/checkpoint.py', 'shared/cvshared/compat.py',
                      'shared/tests/test_checkpoint.py', 'tests/test_checkpoint.py',
                      'tests/test_checkpoint_safety.py', 'tests/test_compat.py'}


@pytest.mark.parametrize('key', KEYS)
def test_package_has_the_template_shape(key):
    problems = shape_problems(REPO, key)
    assert not problems, f'packages/{key} departs from the template:\n' + '\n'.join(problems)


@pytest.mark.parametrize('folder', ['shared/cvshared', 'shared/tests', 'tools', 'tests'])
def test_no_direct_torch_load(folder):
    """(packages/<key> is checked by the shape test.)"""
    problems = torch_load_problems(osp.join(REPO, folder), allowed=TORCH_LOAD_ALLOWED, base=REPO)
    assert not problems, '\n'.join(problems)


def test_shape_check_finds_departures():
    """The README rules fail on a README that misses a heading, order or a milestone."""
    good = ('# toy: Toy\n' + ''.join(f'{h}\nnone\n' for h in
            ['## Citation', '## Official code\nhttps://x 0123456789abcdef0123456789abcdef01234567',
             '## What is implemented', '## Differences from the official code', '## Data',
             '## Commands', '## Results', '## Benchmark', '## Tests', '## Not done'])
            + '## Checklist\n- [x] Milestone 1: inference-time correctness (golden)\n'
            '- [ ] Milestone 2: training-time correctness (not trained)\n'
            '- [x] Milestone 3: tests, docstrings, metafile (yes)\n')
    assert readme_problems(good, 'toy') == []
    assert readme_problems(good.replace('## Not done\nnone\n', ''), 'toy')
    assert readme_problems(good.replace('## Data', '## Dataset'), 'toy')
    swapped = good.replace('## Results', '## TMP').replace('## Benchmark', '## Results') \
        .replace('## TMP', '## Benchmark')
    assert 'order differs' in ' '.join(readme_problems(swapped, 'toy'))
    assert readme_problems(good.replace('- [ ] Milestone 2', '- Milestone 2'), 'toy')
    assert readme_problems(good.replace('01234567\n', '0123\n', 1), 'toy')
    assert readme_problems(good.replace('# toy: Toy', '# Toy'), 'toy')
