"""UMIL's epoch: the MIL stage, then (from ``umil_epoch - 5``) the scoring pass over the
training set into the score history and the split, then (from ``umil_epoch``) the UMIL step
(``main_umil.py::main``'s epoch). Validation follows the whole epoch (the official validates
after the MIL stage and again after the UMIL step, and keeps the better one: selection on
the test set; we validate once and keep the last checkpoint)."""
from __future__ import annotations

import random

import numpy as np
import torch
from mmaction.registry import LOOPS
from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop

from ..split import ScoreHistory, num_segments


@LOOPS.register_module()
class UMILTrainLoop(EpochBasedTrainLoop):
    """Args (besides ``EpochBasedTrainLoop``'s):
        umil_epoch: first epoch (0-based) of the UMIL step (30).
        score_dataloader: the training list in test mode (``UMILSegmentClips``), same order as
            the training set; the history starts at ``umil_epoch - history_epochs``.
        umil_dataloader: loader of the UMIL step (default: ``dataloader``'s config).
        confidence: the split's percentile (0.3).
        history_epochs: 5.
        validate_umil_step: also validate right before and right after each UMIL pass (the
            official validates after the MIL stage and after the UMIL step of every epoch); the
            two metric dicts per UMIL epoch go to ``umil_val`` as ``(epoch, before, after)``:
            the same weights with and without that epoch's UMIL step (the learning test's
            paired comparison). Off by default (two extra test passes per UMIL epoch).
        isolate_umil_rng: restore the global RNGs (``random``, numpy, torch) after each UMIL
            pass (and its validations) to their state before it, so that the later MIL epochs
            draw the same augmentations as a run without the UMIL step: a MIL-only run (the
            same config with ``umil_epoch >= max_epochs``) then differs from this one only by
            the step's effect on the weights. Off by default (the official shares one stream).
    """

    def __init__(self, runner, dataloader, max_epochs: int, umil_epoch: int,
                 score_dataloader, umil_dataloader=None, confidence: float = 0.3,
                 history_epochs: int = 5, validate_umil_step: bool = False,
                 isolate_umil_rng: bool = False, val_begin: int = 1, val_interval: int = 1,
                 dynamic_intervals=None):
        super().__init__(runner, dataloader, max_epochs, val_begin, val_interval,
                         dynamic_intervals)
        self.umil_epoch, self.confidence = int(umil_epoch), confidence
        self.history_start = max(self.umil_epoch - history_epochs, 0)
        self.score_dataloader = runner.build_dataloader(score_dataloader) \
            if isinstance(score_dataloader, dict) else score_dataloader
        if umil_dataloader is None:
            self.umil_dataloader = self.dataloader
        else:
            self.umil_dataloader = runner.build_dataloader(umil_dataloader) \
                if isinstance(umil_dataloader, dict) else umil_dataloader
        self.history = None
        self.umil_log: list = []
        self.validate_umil_step = bool(validate_umil_step)
        self.umil_val: list = []
        self.isolate_umil_rng = bool(isolate_umil_rng)

    @property
    def model(self):
        m = self.runner.model
        return m.module if is_model_wrapper(m) else m

    def _build_history(self):
        infos = [self.score_dataloader.dataset.get_data_info(i)
                 for i in range(len(self.score_dataloader.dataset))]
        counts = [num_segments(int(i['total_frames'])) for i in infos]
        self.normal = [int(i['label']) == 0 for i in infos]
        self.history = ScoreHistory(counts, self.max_epochs - self.history_start)

    @torch.no_grad()
    def score_training_set(self):
        """One test-mode pass: p_a of every training snippet into the history; the split."""
        if self.history is None:
            self._build_history()
        model = self.model
        model.eval()
        epoch = np.zeros(self.history.scores.shape[1:], np.float32)
        seen = np.zeros(len(self.history.counts), bool)
        for batch in self.score_dataloader:
            data = model.data_preprocessor(batch, False)
            for x, s in zip(data['inputs'], data['data_samples']):
                p_a, _ = model.snippet_scores(x[None])
                v = int(s.sample_idx)
                sl = self.history.video_slice(v)
                if p_a.shape[1] != sl.stop - sl.start:
                    raise RuntimeError(f'video {v}: {p_a.shape[1]} scored snippets, the '
                                       f'history expects {sl.stop - sl.start}')
                epoch[sl] = p_a[0].cpu().numpy()
                seen[v] = True
        if not seen.all():
            raise RuntimeError(f'{(~seen).sum()} training videos were not scored')
        self.history.append(epoch)
        if self.history.length > 1:
            label, confident = self.history.split(self.normal, self.confidence)
            model.split_state = (self.history, label, confident)
        model.train()

    def umil_epoch_pass(self):
        model = self.model
        model.stage = 'umil'
        self.runner.model.train()
        logs = []
        for batch in self.umil_dataloader:
            out = self.runner.model.train_step(batch, optim_wrapper=self.runner.optim_wrapper)
            if out:
                logs.append({k: float(torch.as_tensor(v).detach()) for k, v in out.items()})
        model.stage = 'mil'
        self.umil_log.append(logs)
        if logs:
            mean = {k: np.mean([d[k] for d in logs]) for k in logs[0]}
            self.runner.logger.info(f'UMIL step, epoch {self._epoch}: {len(logs)} batches, '
                                    + ', '.join(f'{k} {v:.4f}' for k, v in mean.items()))

    def run_epoch(self) -> None:
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        self.model.stage = 'mil'
        self.runner.model.zero_grad(set_to_none=True)   # the official MIL epoch starts clean
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        if self._epoch >= self.history_start:
            self.score_training_set()
        if self._epoch >= self.umil_epoch and self.model.split_state is not None:
            state = (random.getstate(), np.random.get_state(), torch.get_rng_state()) \
                if self.isolate_umil_rng else None
            if self.validate_umil_step:
                before = dict(self.runner.val_loop.run())
                self.umil_epoch_pass()
                after = dict(self.runner.val_loop.run())
                self.umil_val.append((self._epoch, before, after))
                self.runner.model.train()
            else:
                self.umil_epoch_pass()
            if state is not None:
                random.setstate(state[0])
                np.random.set_state(state[1])
                torch.set_rng_state(state[2])
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
