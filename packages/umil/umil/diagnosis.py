"""Diagnosis of the UMIL step's pair targets on the synthetic set (README, Results; the
learning test and ``benchmarks/pretrained_sweep.py``): which training frames hold the event
(read from the pixels, the generator writes no training intervals) and how the clustering's
pair targets ``cos(sg[v_i], sg[v_j]) > threshold`` follow it."""
from __future__ import annotations

import os.path as osp

import numpy as np
import torch


def event_frames(frame_dir: str, n: int) -> np.ndarray:
    """Frames of one video inside its event, read from the pixels: the generator's event is
    a bright object crossing (>= 10 pixels R > 170, G > 160, B < 110: the object at either
    flicker level; no scene pixel passes) while the whole frame flickers (x 1.25 / x 0.8:
    mean intensity > 1.12 or < 0.89 x the video's median frame; the object is off-screen at
    the event's ends, the flicker is not)."""
    from PIL import Image
    obj, level = np.zeros(n, bool), np.zeros(n)
    for t in range(n):
        f = np.asarray(Image.open(osp.join(frame_dir, f'img_{t:08d}.jpg')).convert('RGB'))
        f = f.astype(np.int16)
        m = (f[..., 0] > 170) & (f[..., 1] > 160) & (f[..., 2] < 110)
        obj[t] = m.sum() >= 10
        level[t] = f.mean()
    ratio = level / np.median(level)
    return obj | (ratio > 1.12) | (ratio < 0.89)


def pair_stats(records, threshold: float) -> dict:
    """``records``: ``(feature_v [n, D], event flags [n])`` per batch (the ambiguous snippets
    the UMIL step pairs). Over the ordered pairs ``i != j`` within a batch: the cosine
    quantiles (5 / 50 / 95 %) of event-event, non-event-non-event and event-non-event pairs,
    the share called "same" (``cos > threshold``), P(same | same event flag), P(same |
    different flag) and the agreement of the targets with the flags."""
    cos_ev, cos_no, cos_x, same, lab_same = [], [], [], [], []
    n_snip = n_event = 0
    for feat, event in records:
        f = torch.nn.functional.normalize(feat, dim=1)
        c = (f @ f.t()).numpy()
        e = np.asarray(event, bool)
        n_snip += len(e)
        n_event += int(e.sum())
        off = ~np.eye(len(e), dtype=bool)
        both_ev = np.outer(e, e) & off
        both_no = np.outer(~e, ~e) & off
        cross = np.outer(e, ~e) | np.outer(~e, e)
        cos_ev.append(c[both_ev])
        cos_no.append(c[both_no])
        cos_x.append(c[cross])
        same.append((c > threshold)[off])
        lab_same.append((both_ev | both_no)[off])
    cat = np.concatenate
    same, lab_same = cat(same), cat(lab_same)
    cos_ev, cos_no, cos_x = cat(cos_ev), cat(cos_no), cat(cos_x)

    def q(a):
        return [round(float(x), 3) for x in np.quantile(a, [0.05, 0.5, 0.95])] if len(a) else []
    return dict(
        snippets=n_snip, event_snippets=n_event, pairs=int(len(same)),
        same_fraction=float(same.mean()) if len(same) else float('nan'),
        cos_event_event=q(cos_ev), cos_normal_normal=q(cos_no), cos_event_normal=q(cos_x),
        p_same_given_same_label=float(same[lab_same].mean()) if lab_same.any() else None,
        p_same_given_diff_label=float(same[~lab_same].mean()) if (~lab_same).any() else None,
        agreement=float((same == lab_same).mean()) if len(same) else float('nan'),
        same_label_share=float(lab_same.mean()) if len(same) else float('nan'))


def training_events(data_root: str, ann_file: str = 'labels/UCF_train.txt') -> dict:
    """``{video index: event flag per frame}`` of the abnormal videos of a training list (the
    indices are the list's, as ``sample_idx``)."""
    events = {}
    with open(osp.join(data_root, ann_file), encoding='utf-8') as f:
        for i, line in enumerate(f):
            rel, _, n, cls = line.split()
            if int(cls) > 0:
                events[i] = event_frames(osp.join(data_root, rel), int(n))
    return events


class UMILStepRecorder:
    """Context manager recording what the UMIL step sees, per batch: the weak-view
    ``feature_v`` of the ambiguous snippets, their event flags (a snippet with any frame in
    the event, ``events`` from :func:`training_events`), their ``p_ano`` as stepped and the
    batch's inputs. It wraps ``UMILRecognizer.umil_loss`` and the recognizer's
    ``umil_step_losses``; the step itself is unchanged."""

    def __init__(self, events: dict):
        self.events, self.records, self.scored = events, [], []

    def __enter__(self):
        import umil.models.recognizer as rec
        self._rec = rec
        self._loss, self._step = rec.UMILRecognizer.umil_loss, rec.umil_step_losses
        current = {}
        original_loss, original_step = self._loss, self._step

        def umil_loss(model, inputs, data_samples):
            current['samples'], current['inputs'] = data_samples, inputs.detach().clone()
            return original_loss(model, inputs, data_samples)

        def step(feat, logits, logits_c, ambiguous, *args, **kwargs):
            m = ambiguous.bool()
            flags = []
            for b, s in enumerate(current['samples']):
                ev = self.events.get(int(s.sample_idx))
                inds = np.asarray(s.frame_inds).reshape(m.shape[1], -1)
                for k in range(m.shape[1]):
                    if bool(m[b, k]):
                        flags.append(bool(ev is not None and
                                          ev[np.clip(inds[k], 0, len(ev) - 1)].any()))
            self.records.append((feat[:, 0][m].detach().cpu(), flags))
            p_ano = logits[:, 0].softmax(-1)[..., 1][m].detach().cpu()
            self.scored.append((current['inputs'], m.cpu(), p_ano, flags))
            return original_step(feat, logits, logits_c, ambiguous, *args, **kwargs)

        rec.UMILRecognizer.umil_loss, rec.umil_step_losses = umil_loss, step
        return self

    def __exit__(self, *exc):
        self._rec.UMILRecognizer.umil_loss, self._rec.umil_step_losses = self._loss, self._step
        return False

    @torch.no_grad()
    def p_ano_shift(self, model) -> dict:
        """Mean ``p_ano`` of the event / non-event ambiguous snippets when each batch was
        stepped and (``model`` now) after the pass: ``{'event': [before, after], ...}``."""
        was = model.training
        model.eval()
        before, after, flags = [], [], []
        for inputs, m, p0, f in self.scored:
            before.append(p0)
            after.append(model._run(inputs)['y'][:, 0].softmax(-1)[..., 1][m])
            flags += f
        model.train(was)
        lab = np.asarray(flags, bool)
        b, a = torch.cat(before).numpy(), torch.cat(after).numpy()
        return {name: [round(float(b[m].mean()), 3), round(float(a[m].mean()), 3)]
                for name, m in (('event', lab), ('non_event', ~lab))}


@torch.no_grad()
def snippet_features(backbone, loader, events: dict, preprocessor=None):
    """An encoder as it is (no fine-tuning): ``feature_v`` of every clip ``loader`` gives for
    the videos in ``events`` (the training list's scoring clips: one centre clip per 30-frame
    segment) and their event flags. Returns ``(features [n, D], flags [n] bool)``."""
    if preprocessor is None:
        from .models.preprocessor import UMILDataPreprocessor
        preprocessor = UMILDataPreprocessor()
    was = backbone.training
    backbone.eval()
    feats, flags = [], []
    for batch in loader:
        data = preprocessor(batch, False)
        for x, s in zip(data['inputs'], data['data_samples']):
            ev = events.get(int(s.sample_idx))
            if ev is None:
                continue
            feats.append(backbone(x)['feature_v'])
            inds = np.asarray(s.frame_inds).reshape(x.shape[0], -1)
            flags += [bool(ev[np.clip(i, 0, len(ev) - 1)].any()) for i in inds]
    backbone.train(was)
    return torch.cat(feats), np.asarray(flags, bool)
