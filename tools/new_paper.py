"""Scaffold a new paper package with the template's exact shape (CONTRIBUTING.md).

    python tools/new_paper.py <key> --home {mmengine,mmseg,mmdet,mmaction,mmpretrain}
                              [--title 'Paper title (Venue Year)'] [--dataset NAME]

Writes, from ``tools/templates/new_paper/``:

- ``packages/<key>/``: pyproject, README with every heading, ``<key>/`` (``__init__``,
  ``registry``, ``paper.py`` SPEC, ``convert.py``, ``infer.py``, ``models/backbone.py`` +
  ``models/classifier.py``, ``datasets/`` layout + synthetic generator, ``metrics/``,
  ``hooks/visualization.py`` with ``draw_sample``), ``tests/`` (``test_model.py``,
  ``test_golden.py``, ``test_learning.py``, ``golden/PROVENANCE.md`` + ``make_golden.py``);
- ``configs/<key>/``: a paper config inheriting ``configs/_base_/runtime/<home>.py``, a
  ``*_synthetic.py`` config, ``metafile.yml``;
- ``tools/model_converters/<key>_official_to_ours.py`` (the thin entry point).

The generated code is a working toy (a small ConvNet telling horizontal from vertical stripes
on a synthetic set in the data set's layout), so its tests and ``make reproduce PAPER=<key>``
pass untouched; every ``TODO`` marks what the paper needs. With ``--home mmengine`` the package
gets child registries of scope ``<key>``; otherwise it registers into the codebase's registries
(``default_scope`` = that codebase).
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import re
import sys
import textwrap

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TEMPLATES = osp.join(osp.dirname(osp.abspath(__file__)), 'templates', 'new_paper')
HOMES = {  # home -> (default scope, distribution of the codebase)
    'mmengine': (None, None),
    'mmseg': ('mmseg', 'mmsegmentation'),
    'mmdet': ('mmdet', 'mmdet'),
    'mmaction': ('mmaction', 'mmaction2'),
    'mmpretrain': ('mmpretrain', 'mmpretrain'),
}
KEY = re.compile(r'[a-z][a-z0-9_]*')


def substitutions(key: str, home: str, title: str, dataset: str) -> dict:
    scope, dist = HOMES[home]
    camel = ''.join(part.capitalize() for part in key.split('_'))
    return {
        '@@key@@': key,
        '@@Key@@': camel,
        '@@KEY@@': key.upper(),
        '@@home@@': home,
        '@@scope@@': scope or key,
        '@@home_dep@@': f', "{dist}"' if dist else '',
        '@@title@@': title,
        '@@title_wrapped@@': textwrap.fill(title, 100),
        '@@dataset@@': dataset,
        '@@paper_config@@': f'{key}_convnet_100e_{dataset}',
        '@@synthetic_config@@': f'{key}_convnet_6e_synthetic',
    }


def render(text: str, subs: dict) -> str:
    for token, value in subs.items():
        text = text.replace(token, value)
    leftover = re.findall(r'@@\w+@@', text)
    if leftover:
        raise ValueError(f'template tokens without a value: {sorted(set(leftover))}')
    return text


def plan(key: str, home: str, title: str, dataset: str, repo: str = REPO) -> dict:
    """``{destination path: file text}`` of the whole scaffold."""
    subs = substitutions(key, home, title, dataset)
    files = {}
    package_templates = osp.join(TEMPLATES, 'package')
    for dirpath, _, filenames in os.walk(package_templates):
        for name in filenames:
            if not name.endswith('.tmpl'):
                continue
            src = osp.join(dirpath, name)
            rel = osp.relpath(src, package_templates)[:-len('.tmpl')]
            if rel.endswith(('registry.py.mmengine', 'registry.py.codebase')):
                if rel.endswith('.mmengine') != (home == 'mmengine'):
                    continue
                rel = rel.rsplit('.', 1)[0]
            dst = osp.join(repo, 'packages', key, render(rel, subs))
            with open(src) as f:
                files[dst] = render(f.read(), subs)
    configs = osp.join(repo, 'configs', key)
    for template, dst in (('paper_config.py', f'{subs["@@paper_config@@"]}.py'),
                          ('synthetic_config.py', f'{subs["@@synthetic_config@@"]}.py'),
                          ('metafile.yml', 'metafile.yml')):
        with open(osp.join(TEMPLATES, 'configs', template + '.tmpl')) as f:
            files[osp.join(configs, dst)] = render(f.read(), subs)
    with open(osp.join(TEMPLATES, 'converter.py.tmpl')) as f:
        files[osp.join(repo, 'tools', 'model_converters', f'{key}_official_to_ours.py')] = \
            render(f.read(), subs)
    return files


def scaffold(key: str, home: str, title: str | None = None, dataset: str = 'benchmark',
             repo: str = REPO) -> list[str]:
    """Write the scaffold of ``key`` under ``repo``; returns the files written."""
    if not KEY.fullmatch(key):
        raise SystemExit(f'key {key!r}: use a Python module name (lower case, digits, _)')
    if key in sys.stdlib_module_names or key in ('cvshared', 'tests', 'tools', 'configs'):
        raise SystemExit(f'key {key!r} is taken (a standard-library or repository module)')
    if home not in HOMES:
        raise SystemExit(f'--home must be one of {sorted(HOMES)}')
    if not re.fullmatch(r'[a-z0-9][a-z0-9-]*', dataset):
        raise SystemExit(f'--dataset {dataset!r}: lower case, digits and - (a config name part)')
    for existing in (osp.join(repo, 'packages', key), osp.join(repo, 'configs', key)):
        if osp.exists(existing):
            raise SystemExit(f'{existing} exists already; choose another key or remove it')
    title = title or f'{key.upper()} (TODO: title, authors, venue)'
    if "'" in title:
        raise SystemExit("--title: no single quotes (it goes into Python and YAML strings)")
    files = plan(key, home, title, dataset, repo)
    for path, text in files.items():
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
    return sorted(files)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('key', help='package key = module name = configs/<key>/ (e.g. selfy)')
    parser.add_argument('--home', required=True, choices=sorted(HOMES),
                        help='the OpenMMLab codebase the package registers into')
    parser.add_argument('--title', help='paper title (and venue)')
    parser.add_argument('--dataset', default='benchmark',
                        help='name of the paper config\'s data set (config file name part)')
    parser.add_argument('--repo', default=REPO, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    written = scaffold(args.key, args.home, args.title, args.dataset, args.repo)
    for path in written:
        print(osp.relpath(path, args.repo))
    print(f'\nNext: make test PAPER={args.key} (make install picks the new package up), then '
          f'python tools/papers_table.py --write, then replace every TODO.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
