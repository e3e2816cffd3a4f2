#include "analysis/rank_correlation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

namespace nasrun::experiment {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The pairs in which neither value is NaN.
std::pair<std::vector<double>, std::vector<double>> complete_pairs(const std::vector<double>& x,
                                                                   const std::vector<double>& y) {
  if (x.size() != y.size())
    throw std::invalid_argument("rank correlation of samples of different sizes (" +
                                std::to_string(x.size()) + " and " + std::to_string(y.size()) +
                                ")");
  std::pair<std::vector<double>, std::vector<double>> out;
  out.first.reserve(x.size());
  out.second.reserve(y.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!std::isnan(x[i]) && !std::isnan(y[i])) {
      out.first.push_back(x[i]);
      out.second.push_back(y[i]);
    }
  return out;
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const std::size_t n = a.size();
  if (n < 2) return kNaN;
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / static_cast<double>(n);
  const double mb = std::accumulate(b.begin(), b.end(), 0.0) / static_cast<double>(n);
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  if (saa <= 0 || sbb <= 0) return kNaN;
  return std::clamp(sab / std::sqrt(saa * sbb), -1.0, 1.0);
}

// Pairs tied within runs of equal values of a sorted sequence: sum of k(k-1)/2 over runs.
template <typename Equal>
std::uint64_t tied_pairs(std::size_t n, Equal equal) {
  std::uint64_t ties = 0, run = 1;
  for (std::size_t i = 1; i <= n; ++i) {
    if (i < n && equal(i - 1, i)) {
      ++run;
    } else {
      ties += run * (run - 1) / 2;
      run = 1;
    }
  }
  return ties;
}

// Sorts v ascending by merge sort and returns the number of exchanges (inversions: pairs i < j
// with v[i] > v[j]; equal values are not inversions).
std::uint64_t sort_counting_inversions(std::vector<double>& v) {
  std::vector<double> buffer(v.size());
  std::uint64_t swaps = 0;
  for (std::size_t width = 1; width < v.size(); width *= 2) {
    for (std::size_t lo = 0; lo < v.size(); lo += 2 * width) {
      const std::size_t mid = std::min(lo + width, v.size());
      const std::size_t hi = std::min(lo + 2 * width, v.size());
      std::size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        if (v[j] < v[i]) {
          swaps += mid - i;  // v[j] jumps over every remaining element of the left run
          buffer[k++] = v[j++];
        } else {
          buffer[k++] = v[i++];
        }
      }
      while (i < mid) buffer[k++] = v[i++];
      while (j < hi) buffer[k++] = v[j++];
    }
    v.swap(buffer);
  }
  return swaps;
}

double kendall_complete(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = x.size();
  if (n < 2) return kNaN;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return x[a] < x[b] || (x[a] == x[b] && y[a] < y[b]);
  });
  const std::uint64_t n0 = static_cast<std::uint64_t>(n) * (n - 1) / 2;
  const std::uint64_t n1 = tied_pairs(n, [&](std::size_t i, std::size_t j) {
    return x[order[i]] == x[order[j]];
  });
  const std::uint64_t n3 = tied_pairs(n, [&](std::size_t i, std::size_t j) {
    return x[order[i]] == x[order[j]] && y[order[i]] == y[order[j]];
  });
  std::vector<double> ys(n);
  for (std::size_t i = 0; i < n; ++i) ys[i] = y[order[i]];
  // With x sorted (ties in x broken by y), an inversion of y is exactly a discordant pair.
  const std::uint64_t discordant = sort_counting_inversions(ys);
  const std::uint64_t n2 = tied_pairs(n, [&](std::size_t i, std::size_t j) { return ys[i] == ys[j]; });
  if (n1 == n0 || n2 == n0) return kNaN;  // a constant sample
  // concordant - discordant = (n0 - n1 - n2 + n3) - 2 * discordant
  const double numerator = static_cast<double>(n0) - static_cast<double>(n1) -
                           static_cast<double>(n2) + static_cast<double>(n3) -
                           2.0 * static_cast<double>(discordant);
  const double denominator = std::sqrt(static_cast<double>(n0 - n1)) *
                             std::sqrt(static_cast<double>(n0 - n2));
  return std::clamp(numerator / denominator, -1.0, 1.0);
}

}  // namespace

std::vector<double> average_ranks(const std::vector<double>& values) {
  std::vector<std::size_t> order;
  order.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    if (!std::isnan(values[i])) order.push_back(i);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size(), kNaN);
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i + 1;
    while (j < order.size() && values[order[j]] == values[order[i]]) ++j;
    // Positions i..j-1 (0-based) share ranks i+1..j: their mean is (i + 1 + j) / 2.
    const double rank = 0.5 * static_cast<double>(i + 1 + j);
    for (std::size_t k = i; k < j; ++k) ranks[order[k]] = rank;
    i = j;
  }
  return ranks;
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  const auto [a, b] = complete_pairs(x, y);
  return pearson(average_ranks(a), average_ranks(b));
}

double kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y) {
  const auto [a, b] = complete_pairs(x, y);
  return kendall_complete(a, b);
}

RankCorrelation rank_correlation(const std::vector<double>& x, const std::vector<double>& y) {
  const auto [a, b] = complete_pairs(x, y);
  RankCorrelation r;
  r.n = a.size();
  r.spearman = pearson(average_ranks(a), average_ranks(b));
  r.kendall = kendall_complete(a, b);
  return r;
}

}  // namespace nasrun::experiment
