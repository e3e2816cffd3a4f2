#!/usr/bin/env bash
# Zero-cost proxies against final test accuracy on the embedded benchmark (issue 19): Spearman's
# rho and Kendall's tau of each of the ten proxies (computed on the network at initialisation
# from one minibatch, no training; docs/evaluators.md), of SoTL-E and the validation accuracy,
# and of hybrids of the best proxies with them (each architecture ranked by the mean of its two
# ranks), at every training budget T of the 10 epochs, with the median seconds an evaluator is
# charged for each. A proxy does not change with T: its rows are the same at every T.
#
# Usage: experiments/proxies.sh
# Writes experiments/results/fashion-mnist/proxies.{csv,png,svg}. Running time: a few seconds.
source "$(dirname "$0")/lib.sh"
require_benchmark "$embedded"
rank_figure fashion-mnist "$embedded" --estimators \
    "params,flops,synflow,snip,grad_norm,fisher,jacov,nwot,zen,zico,sotle,val-early,jacov+sotle,jacov+val-early,nwot+sotle"
finish
