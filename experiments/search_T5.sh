#!/usr/bin/env bash
# Paper Fig. 6 and 10 at T = 5 of the embedded benchmark's 10 epochs (half its schedule, where
# SoTL-E's rank correlation is about 0.9, as at the paper's T = 50 of 200): RE, TPE and RS with
# SoTL-E and validation accuracy at T, 20 seeds, nas-run's default budget. The final validation
# accuracy does not depend on T: its runs are fig6.sh's and fig10.sh's (common random numbers).
#
# Usage: experiments/search_T5.sh
# Writes experiments/results/fashion-mnist/search_T5.{csv,png,svg}. Running time: about 2 s.
source "$(dirname "$0")/lib.sh"
require_benchmark "$embedded"
search_figure fashion-mnist --benchmark "$embedded" --strategy re,tpe,rs \
    --evaluator sotle,val-early --T 5
finish
