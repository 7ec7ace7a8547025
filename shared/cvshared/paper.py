"""What a paper package tells ``tools/reproduce.py`` and ``tools/benchmark.py``.

Every paper package exposes ``<key>.paper.SPEC``, a :class:`PaperSpec`. Configs read their data
root from the ``DATA_ROOT`` environment variable with mmengine's substitution syntax,
``data_root = '{{$DATA_ROOT:data/mvtec_ad}}'``, so the tools point a config at a data set
without editing it.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine.stages import Pipeline


@dataclass
class PaperSpec:
    """A paper's reproduction recipe.

    Attributes:
        key: The package key (``msflow``); configs live in ``configs/<key>/``.
        title: Paper title and venue, printed above the results table.
        runs: Named configs (paths relative to the repository root) that together make the
            paper's main table on the real benchmark, e.g. one per MVTec category. Results are
            averaged over the runs that are selected.
        synthetic_runs: The same for the synthetic data set (usually one entry).
        reported: The paper's reported numbers, ``{our metric key: value}``, in the units the
            paper prints (percent for AUROC). Over several runs: their mean. Empty only with
            ``reported_not_found``.
        reported_not_found: Set (and ``reported`` left empty) when no number of the paper
            could be found: one sentence saying where we looked (paper text, official README,
            search) and what the paper gives instead (e.g. curves only). The papers table
            prints it in place of the numbers, and the real runs' metafile entries carry no
            Results; never a guessed or NaN number.
        reported_per_run: For papers whose runs are different benchmarks (UMIL: UCF-Crime and
            TAD), the paper's numbers of each run, ``{run name: {metric key: value}}``. The
            results table then compares a selection of runs with the mean of *their* numbers
            (``reported_for``), and prints each run's paper number beside ours. Empty: every
            selection is compared with ``reported``.
        metric_scale: Factor from our metric value to the paper's unit (100 for a fraction
            reported as a percentage): one number for every metric, or ``{metric key: factor}``
            (metrics not listed keep factor 1, e.g. GFLOPs).
        make_synthetic: ``fn(root)`` writes the synthetic data set in the benchmark's layout.
        check_data: ``fn(data_root, run_name)`` raises ``FileNotFoundError`` naming the
            expected tree when the real data set is not at ``data_root``.
        data_hint: One line shown when no data set is found (where to download it).
        protocol: The test protocol of the reported numbers: one string for all, or
            ``{metric key: protocol}`` (e.g. ``{'davis/J&F-Mean': 'multi-scale + flip'}``).
            The results table prints it beside the protocol of our run and says when they
            differ. Empty: not stated.
        test_protocol: What ``tools/test.py`` / ``reproduce`` do without ``--tta``, in the same
            words (e.g. ``'single-scale'``).
        tta_protocol: What they do with ``--tta`` (the configs' ``tta_model``).
        official_benchmark: The official implementation's recorded speed / memory figures,
            ``{figure name: value}`` (numbers or strings with units), printed by
            ``tools/benchmark.py`` beside ours; put the setting (hardware, batch, image size,
            source) under the key ``'setting'``.
        pipeline: For a staged paper (several steps, each reading the previous one's output:
            :mod:`cvshared.engine.stages`), the stages on the real data set;
            ``tools/reproduce.py`` then runs the pipeline instead of train-then-test of
            ``runs`` (which still name the configs whose default data root is looked up) and
            reports the metrics of its 'test' stages (and metric-returning 'call' stages) as
            ``<stage name>/<metric key>``: the keys of ``reported``.
        synthetic_pipeline: The stages on the synthetic data set (default: ``pipeline``).
    """

    key: str
    title: str
    runs: Mapping[str, str]
    synthetic_runs: Mapping[str, str]
    reported: Mapping[str, float]
    make_synthetic: Callable[[str], None]
    check_data: Callable[[str, str], None]
    metric_scale: float | Mapping[str, float] = 100.0
    data_hint: str = ''
    notes: list[str] = field(default_factory=list)
    benchmark_config: str | None = None
    protocol: str | Mapping[str, str] = ''
    test_protocol: str = 'single-scale'
    tta_protocol: str = 'multi-scale + flip'
    official_benchmark: Mapping[str, float | str] = field(default_factory=dict)
    reported_per_run: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    reported_not_found: str = ''

    def reported_for(self, runs) -> dict:
        """The paper's numbers to compare a run selection with: the mean of the selected runs'
        ``reported_per_run`` values for each metric all of them report, else ``reported``."""
        runs = list(runs)
        if not self.reported_per_run or not runs or any(r not in self.reported_per_run
                                                        for r in runs):
            return dict(self.reported)
        keys = [k for k in self.reported if all(k in self.reported_per_run[r] for r in runs)]
        return {k: sum(self.reported_per_run[r][k] for r in runs) / len(runs) for k in keys}
    pipeline: Pipeline | None = None
    synthetic_pipeline: Pipeline | None = None

    def pipeline_for(self, synthetic: bool) -> Pipeline | None:
        """The pipeline of the real (or synthetic) data set; None for a one-stage paper."""
        if synthetic and self.synthetic_pipeline is not None:
            return self.synthetic_pipeline
        return self.pipeline

    def protocol_of(self, metric: str) -> str:
        """The protocol of the paper's ``metric`` ('' when not stated)."""
        if isinstance(self.protocol, Mapping):
            return str(self.protocol.get(metric, ''))
        return str(self.protocol)

    def our_protocol(self, tta: bool = False) -> str:
        return self.tta_protocol if tta else self.test_protocol

    def scale(self, metric: str) -> float:
        """Factor that turns our value of ``metric`` into the paper's unit."""
        if isinstance(self.metric_scale, Mapping):
            return float(self.metric_scale.get(metric, 1.0))
        return float(self.metric_scale)
