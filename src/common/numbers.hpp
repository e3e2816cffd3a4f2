// Numbers as the documentation writes them, and nothing else. The standard library's stod,
// stoll and strtod also accept hexadecimal ("0x10" is 16), "inf", "nan", leading spaces and a
// '+' sign, so "--budget 0x10" would silently mean 16 seconds; every option and text format of
// nas-run reads its numbers through these instead.
#pragma once

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

namespace nasrun::common {

namespace detail {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Moves `i` past a run of digits; whether there was at least one.
inline bool skip_digits(const std::string& s, std::size_t& i) {
  const auto start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  return i > start;
}

}  // namespace detail

// An optional '-' and decimal digits, within long long; nullopt for anything else.
inline std::optional<long long> parse_decimal_integer(const std::string& text) {
  std::size_t i = !text.empty() && text[0] == '-' ? 1 : 0;
  if (!detail::skip_digits(text, i) || i != text.size()) return std::nullopt;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), nullptr, 10);
  if (errno == ERANGE) return std::nullopt;
  return v;
}

// An optional '-', decimal digits with an optional fraction (at least one digit in all), and an
// optional exponent e[+-]digits, whose value is finite; nullopt for anything else.
inline std::optional<double> parse_decimal_real(const std::string& text) {
  std::size_t i = !text.empty() && text[0] == '-' ? 1 : 0;
  bool digits = detail::skip_digits(text, i);
  if (i < text.size() && text[i] == '.') {
    ++i;
    digits = detail::skip_digits(text, i) || digits;
  }
  if (!digits) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (!detail::skip_digits(text, i)) return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  const double v = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

// `number` in full as a positive decimal number times `scale`, if that is finite.
inline std::optional<double> parse_positive_real(const std::string& number, double scale = 1) {
  const auto v = parse_decimal_real(number);
  if (!v || !(*v > 0) || !std::isfinite(*v * scale)) return std::nullopt;
  return *v * scale;
}

// "150h", "90m", "3600s" or a plain number of seconds; throws std::invalid_argument.
inline double parse_duration(const std::string& text) {
  const std::string expected =
      "expected a positive duration such as 150h, 90m, 3600s or 3600 (seconds)";
  if (text.empty()) throw std::invalid_argument("empty duration: " + expected);
  double scale = 1;
  std::string number = text;
  switch (text.back()) {
    case 'h': scale = 3600; number.pop_back(); break;
    case 'm': scale = 60; number.pop_back(); break;
    case 's': number.pop_back(); break;
    default: break;
  }
  const auto seconds = parse_positive_real(number, scale);
  if (!seconds) throw std::invalid_argument("invalid duration '" + text + "': " + expected);
  return *seconds;
}

}  // namespace nasrun::common
