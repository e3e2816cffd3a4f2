#!/usr/bin/env bash
# Paper Fig. 1 (section 5.1): Bayesian linear regression updated one data point at a time on
# x_i = (y_i + eps0_i, 0, ..., eps_i, ..., 0), with the identity features (M1) and the first
# coordinate alone (M2): SoTL (a posterior sample per step), the lower bound -L and the
# -log evidence, summed over the points seen, and the training loss of each step.
#
# Usage: experiments/fig1.sh   (100 points, seed 0)
# Writes experiments/results/fig1.{csv,png,svg}. Running time: under 1 s.
source "$(dirname "$0")/lib.sh"
"$build/nas-rank" regression-example --points 100 --seed 0 --out experiments/results/fig1.csv --plot
rm -f experiments/results/fig1.dat experiments/results/fig1.gp
finish
