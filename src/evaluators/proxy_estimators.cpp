// Zero-cost proxies as estimators (docs/evaluators.md): each scores an architecture by one
// proxy of its network at initialisation, negated (higher proxies are better, lower scores
// are), after no training; it is charged the seconds the proxy took.
#include "evaluators/estimator.hpp"

namespace nasrun::evaluators {

namespace {

class ProxyEstimator : public Estimator {
 public:
  explicit ProxyEstimator(Proxy proxy) : proxy_(proxy) {}

  int epochs_needed(int) const override { return 0; }
  std::vector<CurveNeed> needs(int) const override { return {}; }
  std::vector<int> validation_epochs(int) const override { return {}; }
  std::vector<Proxy> proxies() const override { return {proxy_}; }
  double score(const Curve& curve) const override { return -curve.proxies.at(proxy_); }

 private:
  Proxy proxy_;
};

Registration<estimator_registry> proxy_estimator(Proxy proxy, const char* description) {
  return {bench::proxy_name(proxy), description,
          [proxy](const EstimatorOptions&) { return std::make_unique<ProxyEstimator>(proxy); }};
}

const Registration<estimator_registry> kRegistrations[] = {
    proxy_estimator(Proxy::Params, "zero-cost proxy: trainable parameters"),
    proxy_estimator(Proxy::Flops, "zero-cost proxy: multiply-accumulates of one image's forward pass"),
    proxy_estimator(Proxy::Synflow, "zero-cost proxy: SynFlow (Tanaka et al. 2020; Abdelfattah et al. 2021)"),
    proxy_estimator(Proxy::Snip, "zero-cost proxy: SNIP saliency (Lee et al. 2019; Abdelfattah et al. 2021)"),
    proxy_estimator(Proxy::GradNorm, "zero-cost proxy: sum of the layers' gradient norms (Abdelfattah et al. 2021)"),
    proxy_estimator(Proxy::Fisher, "zero-cost proxy: Fisher information of the activations (Abdelfattah et al. 2021)"),
    proxy_estimator(Proxy::Jacov, "zero-cost proxy: input-Jacobian covariance (Mellor et al. 2020; Abdelfattah et al. 2021)"),
    proxy_estimator(Proxy::Nwot, "zero-cost proxy: NASWOT, log|K_H| of the ReLU codes (Mellor et al. 2021)"),
    proxy_estimator(Proxy::Zen, "zero-cost proxy: Zen-score (Lin et al. 2021)"),
    proxy_estimator(Proxy::Zico, "zero-cost proxy: ZiCo, gradient mean over deviation (Li et al. 2023)"),
};

}  // namespace

}  // namespace nasrun::evaluators
