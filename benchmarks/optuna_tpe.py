#!/usr/bin/python3
"""Times one ask + tell of optuna's TPE sampler (Debian's python3-optuna) on the NAS-Bench-201
cell (six categorical edges of five operations) with about 150 observations: the baseline for
bench_strategies' BM_TpeAskTell150. Prints the mean milliseconds per ask + tell over the
trials 140..160, averaged over a few repetitions.

Usage: /usr/bin/python3 benchmarks/optuna_tpe.py [repetitions]"""
import sys
import time

import optuna

OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]


def score(choices):
    # A fixed pseudo-random score per architecture, cheap next to the sampler.
    code = 0
    for c in choices:
        code = code * 5 + OPS.index(c)
    return ((code * 2654435761) % 2**32) / 2**32


def one_repetition(seed):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    dists = {f"edge{d}": optuna.distributions.CategoricalDistribution(OPS) for d in range(6)}
    timed, start = 0.0, None
    for i in range(160):
        if i == 140:
            start = time.perf_counter()
        trial = study.ask(dists)
        study.tell(trial, score([trial.params[f"edge{d}"] for d in range(6)]))
    timed = time.perf_counter() - start
    return timed / 20


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    times = [one_repetition(seed) for seed in range(reps)]
    print(f"optuna {optuna.__version__} TPE: {1000 * sum(times) / len(times):.3f} ms per ask+tell "
          f"at 140..160 observations (mean of {reps})")


if __name__ == "__main__":
    main()
