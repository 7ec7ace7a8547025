"""Time of the retrieval evaluation on a SOP-sized synthetic test set (cvshared.metrics.retrieval).

SOP's test split has 60,502 images of 11,316 classes; the DML models embed in 512-d. This
script draws L2-normalised Gaussian embeddings with about SOP's class structure (2-9 images
per class, 5.5 on average, 10,989 classes; SOP: 2-12, 5.3), then times, for each kNN backend
(faiss-cpu IndexFlatL2 and the torch fallback):

* ``knn``: the leave-one-out search of the 1,000 neighbours SOP's Recall@1000 needs, and
* ``scores``: ``retrieval_scores`` (Recall@1/10/100/1000 + MAP@R), the work of
  ``DMLRetrievalMetric`` at the end of a test epoch (NMI excluded: k-means with 11,316 clusters).

    python shared/benchmarks/bench_retrieval.py [--n 60502] [--dim 512] [--threads 1]
        [--backends faiss torch] [--k 1000]

Prints the thread count and the load average beside every figure.
"""
import argparse
import os
import time

import numpy as np
import torch
from cvshared.metrics.retrieval import faiss_available, knn_search, retrieval_scores


def sop_like(n: int, dim: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    sizes = []
    while sum(sizes) < n:
        sizes.append(int(rng.integers(2, 10)))
    labels = np.repeat(np.arange(len(sizes)), sizes)[:n]
    if (labels == labels[-1]).sum() < 2:  # no singleton class at the end
        labels[-1] = labels[-2] = labels[-1] - 1 if labels[-2] != labels[-1] else labels[-1]
    sizes = np.bincount(labels)
    centres = rng.normal(0, 1, (len(sizes), dim)).astype(np.float32)
    x = centres[labels] + 2.5 * rng.normal(0, 1, (n, dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x, labels


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=60502)
    ap.add_argument('--dim', type=int, default=512)
    ap.add_argument('--k', type=int, default=1000)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--backends', nargs='+', default=['faiss', 'torch'])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if faiss_available():
        import faiss
        faiss.omp_set_num_threads(args.threads)
    x, y = sop_like(args.n, args.dim)
    print(f'{args.n} x {args.dim} embeddings, {y.max() + 1} classes, threads {args.threads}, '
          f'load {os.getloadavg()}')
    topk = tuple(k for k in (1, 10, 100, 1000) if k <= args.k)
    for backend in args.backends:
        if backend == 'faiss' and not faiss_available():
            print('faiss: not importable, skipped')
            continue
        t = time.perf_counter()
        knn_search(x, None, args.k, exclude_self=True, backend=backend)
        t_knn = time.perf_counter() - t
        t = time.perf_counter()
        res = retrieval_scores(x, y, topk=topk, backend=backend)
        t_all = time.perf_counter() - t
        print(f'{backend}: knn k={args.k} {t_knn:.1f} s; retrieval_scores {t_all:.1f} s '
              f'(R@1 {res["Recall@1"]:.4f}, MAP@R {res["MAP@R"]:.4f}); load {os.getloadavg()}')


if __name__ == '__main__':
    main()
