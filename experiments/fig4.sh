#!/usr/bin/env bash
# Paper Fig. 4: every estimator against final test accuracy at every epoch T: SoTL-E, SoTL, SoVL,
# validation accuracy at T, TSE-EMA (its authors' and NASLib's; docs/evaluators.md) and LcSVR
# (Baker et al.: a nu-SVR from libsvm on architecture features and the validation curve up to T,
# trained on LCSVR_TRAIN fully evaluated architectures that are then left out of the evaluation).
#
# Usage: experiments/fig4.sh [BENCHMARK NAME [LCSVR_TRAIN]]   (default: embedded, fashion-mnist, 200)
# Writes experiments/results/NAME/fig4.{csv,png,svg}. Running time: about 3 s on 2 cores
# (the 100-cell pilot with LCSVR_TRAIN=30: 2 s).
source "$(dirname "$0")/lib.sh"
benchmark=${1:-$embedded}
require_benchmark "$benchmark"
rank_figure "${2:-fashion-mnist}" "$benchmark" \
    --estimators "sotle,sotl,sovl,val-early,tse-ema,tse-ema-naslib,lcsvr" --lcsvr-train "${3:-200}"
finish
