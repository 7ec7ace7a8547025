"""The package template (CONTRIBUTING.md, "The package shape") as checks.

``shape_problems(repo, key)`` lists every way ``packages/<key>`` (with its ``configs/<key>/``
and converter entry point) departs from the template; ``tests/test_package_shape.py`` runs it
on every package and ``tests/test_new_paper.py`` on a freshly scaffolded one.
"""
from __future__ import annotations

import ast
import os
import os.path as osp
import re

README_HEADINGS = [
    '## Citation', '## Official code', '## What is implemented',
    '## Differences from the official code', '## Data', '## Commands', '## Results',
    '## Benchmark', '## Tests', '## Not done', '## Checklist',
]
MILESTONES = ('Milestone 1: inference-time correctness', 'Milestone 2: training-time correctness',
              'Milestone 3: tests, docstrings, metafile')
CONVERTER_LINES = [
    'from cvshared.checkpoint import converter_main',
    'from {key}.convert import convert',
    "if __name__ == '__main__':",
    'converter_main(convert, __doc__)',
]
GOLDEN_FILES = re.compile(r'.+\.(pt|json)$|PROVENANCE\.md$|make_golden\.py$')
FULL_COMMIT = re.compile(r'\b[0-9a-f]{40}\b')
TORCH_LOAD = re.compile(r'\btorch\.load\(')


def _read(path: str) -> str:
    with open(path, encoding='utf-8') as f:
        return f.read()


def _code_lines(source: str) -> list[str]:
    """Statement lines of a module, without its docstring, comments and blank lines."""
    tree = ast.parse(source)
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    lines = source.splitlines()
    out = []
    for node in body:
        for line in lines[node.lineno - 1:node.end_lineno]:
            line = line.split('#', 1)[0].strip()
            if line:
                out.append(line)
    return out


def readme_problems(text: str, key: str) -> list[str]:
    problems = []
    first = text.lstrip().splitlines()[0] if text.strip() else ''
    if not first.startswith(f'# {key}: '):
        problems.append(f'README.md must start with "# {key}: <title>", not {first!r}')
    headings = [line.rstrip() for line in text.splitlines() if line.startswith('## ')]
    if headings != README_HEADINGS:
        missing = [h for h in README_HEADINGS if h not in headings]
        extra = [h for h in headings if h not in README_HEADINGS]
        problems.append(f'README.md ## headings must be exactly {README_HEADINGS} in this order; '
                        f'missing {missing}, extra {extra}'
                        + ('' if missing or extra else ', order differs'))
    sections = re.split(r'^## ', text, flags=re.M)
    official = next((s for s in sections if s.startswith('Official code')), '')
    if not FULL_COMMIT.search(official):
        problems.append('README.md "## Official code" must give the FULL 40-character commit')
    checklist = next((s for s in sections if s.startswith('Checklist')), '')
    for milestone in MILESTONES:
        if not re.search(r'^- \[[ x]\] ' + re.escape(milestone), checklist, flags=re.M):
            problems.append(f'README.md "## Checklist" lacks the task "- [ ] {milestone} (...)"')
    return problems


def _classes_with(path: str, method_args: tuple) -> tuple[list, list]:
    """(registered class names, function names) of a module; classes need ``method_args``
    among their ``__init__`` arguments (or inherit cvshared's ``SampleVisualizationHook``)."""
    tree = ast.parse(_read(path))
    classes, functions = [], []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            functions.append(node.name)
        if isinstance(node, ast.ClassDef):
            registered = any('register_module' in ast.unparse(d) for d in node.decorator_list)
            init = next((n for n in node.body if isinstance(n, ast.FunctionDef)
                         and n.name == '__init__'), None)
            args = [a.arg for a in init.args.args + init.args.kwonlyargs] if init else []
            # a subclass of cvshared's SampleVisualizationHook takes (draw, test_out_dir) from it
            shared_base = init is None and any(ast.unparse(b).endswith('SampleVisualizationHook')
                                               for b in node.bases)
            if registered and (shared_base or all(a in args for a in method_args)):
                classes.append(node.name)
    return classes, functions


def torch_load_problems(root: str, allowed=(), base: str | None = None) -> list[str]:
    """Every direct ``torch.load`` call in ``.py`` files under ``root`` (paths relative to
    ``base``, default ``root``; ``allowed`` paths are relative to ``base`` too)."""
    base = root if base is None else base
    problems = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in ('.mim', '__pycache__', '.venv')]
        for name in filenames:
            if not name.endswith('.py'):
                continue
            path = osp.join(dirpath, name)
            rel = osp.relpath(path, base).replace(os.sep, '/')
            if rel in allowed:
                continue
            for number, line in enumerate(_read(path).splitlines(), 1):
                if TORCH_LOAD.search(line.split('#', 1)[0]):
                    problems.append(f'{rel}:{number}: calls torch.load directly; use '
                                    f'cvshared.checkpoint.load_checkpoint_file')
    return problems


def shape_problems(repo: str, key: str, load_config=None) -> list[str]:
    """Every departure of paper ``key`` from the package template (empty: it has the shape).

    ``load_config(path)`` (default mmengine's ``Config.fromfile``, without importing the
    ``custom_imports``) reads the synthetic config
    to check its ``default_hooks.visualization``.
    """
    pkg = osp.join(repo, 'packages', key)
    src = osp.join(pkg, key)
    configs = osp.join(repo, 'configs', key)
    problems = []

    def need(rel_path, what):
        if not osp.isfile(osp.join(repo, rel_path)):
            problems.append(f'{rel_path} missing ({what})')
            return False
        return True

    need(f'packages/{key}/pyproject.toml', 'installable package')
    if need(f'packages/{key}/README.md', 'fixed headings'):
        problems += readme_problems(_read(osp.join(pkg, 'README.md')), key)
    if need(f'packages/{key}/{key}/__init__.py', 'import package'):
        tree = ast.parse(_read(osp.join(src, '__init__.py')))
        imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        if not imports or ast.unparse(imports[0]) != 'import cvshared':
            problems.append(f'packages/{key}/{key}/__init__.py: the first import must be '
                            f'`import cvshared` (stack fixes before anything else)')
    if need(f'packages/{key}/{key}/paper.py', 'SPEC = PaperSpec(...)'):
        tree = ast.parse(_read(osp.join(src, 'paper.py')))
        if not any(isinstance(n, ast.Assign) and any(getattr(t, 'id', None) == 'SPEC'
                                                     for t in n.targets) for n in tree.body):
            problems.append(f'packages/{key}/{key}/paper.py does not assign SPEC')
    if need(f'packages/{key}/{key}/convert.py', 'convert(official: dict) -> dict'):
        tree = ast.parse(_read(osp.join(src, 'convert.py')))
        if 'convert' not in [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]:
            problems.append(f'packages/{key}/{key}/convert.py defines no function convert')
    converter = f'tools/model_converters/{key}_official_to_ours.py'
    if need(converter, 'thin converter entry point'):
        expected = [line.format(key=key) for line in CONVERTER_LINES]
        if _code_lines(_read(osp.join(repo, converter))) != expected:
            problems.append(f'{converter} must be exactly the thin entry point {expected} '
                            f'(plus a docstring)')
    need(f'packages/{key}/{key}/infer.py', "the package's inferencer")
    for dirpath, _, filenames in os.walk(src):
        if 'backbones.py' in filenames:
            problems.append(f'{osp.relpath(osp.join(dirpath, "backbones.py"), repo)}: the '
                            f'template name is models/backbone.py (singular)')
    hook_classes, hook_functions = [], []
    vis = f'packages/{key}/{key}/hooks/visualization.py'
    if need(vis, 'visualization hook + draw_sample'):
        hook_classes, hook_functions = _classes_with(osp.join(repo, vis),
                                                     ('draw', 'test_out_dir'))
        if 'draw_sample' not in hook_functions:
            problems.append(f'{vis} must define the pure function draw_sample(...)')
        if not hook_classes:
            problems.append(f'{vis} must define a registered hook class taking draw and '
                            f'test_out_dir')
    for name in ('test_golden.py', 'test_learning.py'):
        need(f'packages/{key}/tests/{name}', 'template test name')
    golden = osp.join(pkg, 'tests', 'golden')
    if need(f'packages/{key}/tests/golden/PROVENANCE.md', 'provenance of the golden files'):
        text = _read(osp.join(golden, 'PROVENANCE.md'))
        if not FULL_COMMIT.search(text):
            problems.append('tests/golden/PROVENANCE.md must record the FULL 40-character commit')
        if 'make_golden.py' not in text:
            problems.append('tests/golden/PROVENANCE.md must give the make_golden.py command')
    need(f'packages/{key}/tests/golden/make_golden.py', 'harness regenerating the golden files')
    if osp.isdir(golden):
        others = [n for n in os.listdir(golden)
                  if not GOLDEN_FILES.fullmatch(n) and n != '__pycache__']
        if others:
            problems.append(f'tests/golden/ holds golden data only (*.pt, *.json, '
                            f'PROVENANCE.md, make_golden.py), not {sorted(others)}')
    need(f'configs/{key}/metafile.yml', 'model-zoo metafile')
    synthetic = sorted(n for n in os.listdir(configs) if n.endswith('_synthetic.py')) \
        if osp.isdir(configs) else []
    if not synthetic:
        problems.append(f'configs/{key}/ has no *_synthetic.py config')
    elif hook_classes:
        if load_config is None:
            from mmengine.config import Config

            def load_config(path):
                return Config.fromfile(path, import_custom_modules=False)
        cfg = load_config(osp.join(configs, synthetic[0]))
        vis_cfg = (cfg.get('default_hooks') or {}).get('visualization') or {}
        if vis_cfg.get('type') not in hook_classes:
            problems.append(f'configs/{key}/{synthetic[0]}: default_hooks.visualization.type '
                            f'is {vis_cfg.get("type")!r}, not the hook of {vis} '
                            f'({hook_classes})')
    problems += [f'packages/{key}/{p}' for p in torch_load_problems(pkg)]
    return problems
