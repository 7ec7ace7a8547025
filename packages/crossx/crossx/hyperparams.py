"""Per-data-set settings of the official ``initialization.py::init_crossx_params`` (gamma_1 /
gamma_2 / gamma_3 of the ulti / plty / cmbn C3S terms, learning rate, epochs) and the official
choices of ``demo.py`` / ``modellearning.py`` (parts, "mix" / "avg" model file, branches).

The official Aircraft entry is keyed ``'vggaricraft'`` while ``demo.py`` passes
``'vggaircraft'``: no branch matches, so the official Aircraft runs use gamma = 0 (no C3S).
``official_aircraft_typo=True`` reproduces that; ``False`` gives the listed Aircraft gammas.
The official code compares strings with ``is``; CPython interns these literals, so those
comparisons behave as ``==`` there and we read them as ``==``.
"""
from __future__ import annotations

DATASETS = ('nabirds', 'cubbirds', 'stcars', 'stdogs', 'vggaircraft')

_GAMMAS = {
    'resnet': {'nabirds': (0.5, 0.25, 0.5), 'cubbirds': (0.5, 0.25, 0.5),
               'stcars': (1, 0.25, 1), 'stdogs': (0.01, 0.01, 1),
               'vggaircraft': (0.5, 0.1, 0.5)},
    'senet': {'nabirds': (0.1, 0.25, 0.5), 'cubbirds': (1, 0.25, 1), 'stcars': (1, 0.25, 1),
              'stdogs': (1, 0.5, 1), 'vggaircraft': (0.5, 0.1, 0.1)},
}


def crossx_hyperparams(backbone: str, dataset: str, official_aircraft_typo: bool = True) -> dict:
    """``dict(gammas, lr, epochs, num_parts, plty_pool, branches)`` of an official run.

    Args:
        backbone: ``'resnet'`` or ``'senet'``.
        dataset: one of :data:`DATASETS` (the official names).
        official_aircraft_typo: Aircraft with gamma = (0, 0, 0), as the official code runs it.
    """
    if backbone not in _GAMMAS:
        raise ValueError(f"backbone must be 'resnet' or 'senet', not {backbone!r}")
    if dataset not in DATASETS:
        raise ValueError(f'dataset must be one of {DATASETS}, not {dataset!r}')
    gammas = _GAMMAS[backbone][dataset]
    if dataset == 'vggaircraft' and official_aircraft_typo:
        gammas = (0.0, 0.0, 0.0)
    branches = ('ulti', 'plty') if (dataset, backbone) == ('stdogs', 'resnet') else \
        ('ulti', 'plty', 'cmbn')
    return dict(gammas=tuple(float(g) for g in gammas),
                lr=0.001 if dataset == 'stdogs' else 0.01, epochs=30,
                num_parts=3 if (dataset, backbone) == ('stdogs', 'senet') else 2,
                plty_pool='max' if dataset in ('cubbirds', 'nabirds') else 'avg',
                branches=branches)
