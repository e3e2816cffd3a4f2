"""optuna's samplers as nas-run strategies. Importing this module registers

    optuna-tpe     optuna's TPESampler through optuna's ask/tell
    optuna-random  optuna's RandomSampler through optuna's ask/tell

over the search space's categorical dimensions, so that a study compares them with nas-run's
own strategies: run_study(strategy="re,tpe,optuna-tpe,optuna-random", ...). Each run's sampler
is seeded from the run's strategy seed, and the run starts from the same initial design as
nas-run's strategies (enqueued as optuna's first trials; TPE's startup trials are those).
"""
import optuna

import nasrun

optuna.logging.set_verbosity(optuna.logging.WARNING)


class OptunaStrategy:
    """ask()/tell() of nas-run over an optuna study: each dimension of the space is one
    categorical parameter named by the dimension, its values the choice names."""

    def __init__(self, context, sampler):
        self._space = context.space
        self._dimensions = context.space.dimensions
        self._study = optuna.create_study(sampler=sampler, direction="minimize")
        for arch in context.initial_architectures():
            self._study.enqueue_trial(self._params(arch))
        # Trials asked and not yet told, per architecture, oldest first (with several simulated
        # workers the same architecture may be out twice).
        self._pending = {}

    def _params(self, arch):
        choices = self._space.decode(arch)
        return {name: names[c] for (name, names), c in zip(self._dimensions, choices)}

    def ask(self):
        trial = self._study.ask()
        choices = [names.index(trial.suggest_categorical(name, names))
                   for name, names in self._dimensions]
        arch = self._space.encode(choices)
        self._pending.setdefault(arch, []).append(trial)
        return arch

    def tell(self, arch, score):
        self._study.tell(self._pending[arch].pop(0), score)


def _sampler_seed(context):
    # optuna seeds numpy's generator, which takes 32 bits.
    return context.seed % 2**32


def tpe(context):
    startup = len(context.initial_architectures())
    return OptunaStrategy(context, optuna.samplers.TPESampler(
        seed=_sampler_seed(context), n_startup_trials=startup))


def random(context):
    return OptunaStrategy(context, optuna.samplers.RandomSampler(seed=_sampler_seed(context)))


nasrun.register_strategy("optuna-tpe", tpe, "optuna's TPESampler through its ask/tell (Python)")
nasrun.register_strategy("optuna-random", random,
                         "optuna's RandomSampler through its ask/tell (Python)")
