#!/usr/bin/env bash
# Zero-cost proxies against final test accuracy on the embedded benchmark (issue 19): Spearman's
# rho and Kendall's tau of each of the ten proxies (computed on the network at initialisation
# from one minibatch, no training; docs/evaluators.md), with SoTL-E and the validation accuracy
# after 1 and 3 of the 10 epochs for reference. A proxy does not change with T: its rows are the
# same at every T.
#
# Usage: experiments/proxies.sh
# Writes experiments/results/fashion-mnist/proxies.{csv,png,svg}. Running time: a few seconds.
source "$(dirname "$0")/lib.sh"
require_benchmark "$embedded"
rank_figure fashion-mnist "$embedded" --T 1,3 \
    --estimators "params,flops,synflow,snip,grad_norm,fisher,jacov,nwot,zen,zico,sotle,val-early"
finish
