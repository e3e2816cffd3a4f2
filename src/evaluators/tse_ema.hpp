// TSE-EMA (Ru et al., "Speedy performance estimation for neural architecture search", NeurIPS
// 2021): an exponential moving average of the per-epoch training losses of epochs 1..T,
//   ema_1 = L_1,   ema_t = (1 - mu) ema_{t-1} + mu L_t,
// where mu weights the newest epoch. Both published codes use this recursion and differ in what
// they read from it and in mu:
//   tse-ema         (tse_ema.cpp) the average's last value ema_T, mu = 0.9: the authors' code,
//                   github.com/rubinxin/TSE, rank_correlation_comparison.py ('TSE-EMA') and
//                   query_based_nas/nas201func.py (sum_ema_train_loss = ema);
//   tse-ema-naslib  (tse_ema_naslib.cpp) the sum of the series ema_1 + ... + ema_T, mu = 0.99:
//                   NASLib, github.com/automl/NASLib, naslib/predictors/soloss.py
//                   (SoLosspredictor, sum_option "SoTLEMA": np.sum(EMA_SoTL)).
#pragma once

#include "evaluators/estimator.hpp"

namespace nasrun::evaluators {

enum class EmaReading { LastValue, SumOfSeries };

// A factory for the moving average read as `reading`, with `mu` the newest epoch's weight.
EstimatorFactory training_loss_ema(EmaReading reading, double mu);

// The same, mu from the options (--mu).
EstimatorFactory training_loss_ema(EmaReading reading);

}  // namespace nasrun::evaluators
