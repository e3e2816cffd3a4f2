#!/usr/bin/python3
"""Times one job of optuna's HyperbandPruner (Debian's python3-optuna, 3.1): the baseline for
bench_multifidelity. A job is what one rung of one trial costs: asking a new trial (at its first
rung only; random sampling of the NB201 cell, six categorical edges of five operations), reporting
its score at the rung's epoch, should_prune(), and telling the trial when it is pruned or
finished. Rungs at 1, 3, 9, 27, 81 epochs (min_resource 1, max_resource 81, reduction_factor 3),
the fake score a fixed pseudo-random quality per architecture plus 1/epochs, as in
bench_multifidelity.cpp. Prints one line, "us_per_job JOBS MICROSECONDS": the mean CPU time of
this process per job over the JOBS jobs of a fresh study (optuna's cost grows with its history,
so the mean depends on JOBS).

Usage: /usr/bin/python3 benchmarks/optuna_hyperband.py [jobs (10000)] [seed (0)]"""
import sys
import time

import optuna

OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
RUNGS = [1, 3, 9, 27, 81]


def quality(params):
    code = 0
    for d in range(6):
        code = code * 5 + OPS.index(params[f"edge{d}"])
    return ((code * 2654435761) % 2**32) / 2**32


def time_jobs(jobs, seed):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        sampler=optuna.samplers.RandomSampler(seed=seed),
        pruner=optuna.pruners.HyperbandPruner(min_resource=RUNGS[0], max_resource=RUNGS[-1],
                                              reduction_factor=3))
    dists = {f"edge{d}": optuna.distributions.CategoricalDistribution(OPS) for d in range(6)}
    done = 0
    start = time.process_time()
    while done < jobs:
        trial = study.ask(dists)
        q = quality(trial.params)
        for epochs in RUNGS:
            score = q + 1.0 / epochs
            trial.report(score, epochs)
            done += 1
            if trial.should_prune():
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                break
            if epochs == RUNGS[-1]:
                study.tell(trial, score)
            elif done == jobs:
                break
    return (time.process_time() - start) / done


def main():
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    print(f"us_per_job {jobs} {1e6 * time_jobs(jobs, seed):.3f}")


if __name__ == "__main__":
    main()
