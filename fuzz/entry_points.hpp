// What each fuzz target does with one input, shared by the libFuzzer programs in this folder and
// by tests/test_fuzz_regressions.cpp (which replays the inputs kept under tests/regression/).
//
// Each function accepts any bytes. The errors a reader is meant to report on bad input
// (PickleError, FormatError, MissingDataError, ArchParseError) are caught here; a broken
// invariant throws std::logic_error, and anything else escapes. So for the fuzzer any escaping
// exception, crash or sanitizer report is a finding, and a test can require no exception.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "bench/benchmark.hpp"
#include "bench/benchmark_builder.hpp"
#include "bench/pickle_reader.hpp"
#include "spaces/search_space.hpp"

namespace nasrun::fuzz {

namespace detail {

inline void check(bool ok, const char* what) {
  if (!ok) throw std::logic_error(std::string("fuzz invariant broken: ") + what);
}

// Walks a decoded pickle the way the importer does (lookups, descriptions, numbers).
inline void touch(const bench::PyValue& v, int depth) {
  (void)v.describe();
  if (v.is_number()) (void)v.as_double();
  if (v.is_dict()) {
    (void)v.find("arch_str");
    (void)v.find_int(0);
    (void)v.find_pair("cifar10-valid", 777);
  }
  if (depth > 64) return;  // the reader bounds the depth; keep the walk cheap
  for (const auto& item : v.items) touch(item, depth + 1);
  for (const auto& entry : v.dict) {
    touch(entry.first, depth + 1);
    touch(entry.second, depth + 1);
  }
}

template <typename F>
void allow_missing(F&& f) {
  try {
    f();
  } catch (const bench::MissingDataError&) {
  }
}

// Queries every kind of lookup on a few architectures (and one past the end) of each table.
inline void query(const bench::Benchmark& b) {
  const auto& space = b.space();
  const std::size_t n = b.num_archs();
  for (std::size_t i = 0; i < n && i < 3; ++i) {
    const auto code = b.code(i);
    (void)space.to_string(code);
    check(b.index_of(code) == i, "index_of(code(i)) == i");
  }
  allow_missing([&] { (void)b.index_of(space.size() - 1); });
  allow_missing([&] { (void)b.table("toy"); });
  common::Rng rng(1);
  const std::size_t probe[] = {0, n / 2, n > 0 ? n - 1 : 0, n};
  for (const auto& t : b.tables()) {
    const int epochs = t.epochs();
    const int probe_epochs[] = {0, 1, epochs / 2, epochs, epochs + 1};
    for (const std::size_t a : probe) {
      for (auto c : bench::all_costs()) (void)t.cost(c, a);
      if (a >= t.num_archs()) {
        for (auto m : bench::all_metrics())
          allow_missing([&] { (void)t.require(m, a, {bench::SeedChoice::kMean}, epochs); });
        continue;
      }
      (void)t.num_seeds_present(a);
      allow_missing([&] { (void)t.choose_seed(a, bench::SeedPolicy::random(), rng); });
      allow_missing([&] { (void)t.choose_seed(a, bench::SeedPolicy::fixed(t.seeds()[0]), rng); });
      for (auto m : bench::all_metrics()) {
        const int slots = static_cast<int>(std::min<std::size_t>(t.seeds().size(), 4));
        for (int slot = -1; slot < slots; ++slot) {
          if (slot >= 0 && t.seed_present(a, slot) && t.has_metric(m)) {
            const float* s = t.series(m, a, slot);
            check(s != nullptr, "a present seed has a series");
            volatile float sum = 0;
            for (std::size_t k = 0; k < t.recorded_epochs().size(); ++k) sum = sum + s[k];
          }
          for (const int e : probe_epochs) {
            (void)t.value(m, a, {slot}, e);
            allow_missing([&] { (void)t.require(m, a, {slot}, e); });
          }
        }
      }
    }
  }
}

inline void open_and_query(std::string bytes) {
  try {
    const auto b = bench::Benchmark::from_bytes(common::own_bytes(std::move(bytes)), "fuzz",
                                                {/*verify_checksum=*/false});
    query(b);
  } catch (const bench::FormatError&) {
  }
}

}  // namespace detail

// The bz2 decompressor and the restricted unpickler: the input as a raw pickle, and as bz2 data
// whose output is then unpickled.
inline void pickle_input(std::string_view bytes) {
  try {
    detail::touch(bench::read_pickle(bytes, "fuzz"), 0);
  } catch (const bench::PickleError&) {
  }
  try {
    // A small output limit keeps decompression bombs cheap; the limit is itself under test.
    const std::string raw = bench::bz2_decompress(bytes, "fuzz.bz2", std::size_t{4} << 20);
    detail::touch(bench::read_pickle(raw, "fuzz.bz2"), 0);
  } catch (const bench::PickleError&) {
  }
}

// The benchmark-format reader (data checksum off) and queries on whatever it accepts. The input
// is opened twice: as given but with its header CRC-32 patched to match (else nearly every
// mutation of the header would stop at the header checksum), and, when the header is a JSON
// object, rebuilt with "data_size" set to the bytes after the header (else nearly every change of
// length would stop at the size check).
inline void benchmark_input(std::string_view input) {
  namespace format = bench::format;
  std::string bytes(input);
  if (bytes.size() < format::kPreambleSize) return detail::open_and_query(std::move(bytes));
  std::uint64_t header_len;
  std::memcpy(&header_len, bytes.data() + 16, sizeof header_len);
  if (header_len > bytes.size() - format::kPreambleSize)
    return detail::open_and_query(std::move(bytes));
  const std::string header = bytes.substr(format::kPreambleSize, header_len);

  std::string patched = bytes;
  const std::uint32_t crc = format::crc32(header);
  std::memcpy(&patched[12], &crc, sizeof crc);
  detail::open_and_query(std::move(patched));

  auto j = nlohmann::json::parse(header, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return;
  const std::size_t old_start = format::align_up(format::kPreambleSize + header_len);
  const std::string data = old_start <= bytes.size() ? bytes.substr(old_start) : std::string();
  j["data_size"] = data.size();
  const std::string new_header =
      j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string rebuilt = bytes.substr(0, format::kPreambleSize);
  const std::uint32_t new_crc = format::crc32(new_header);
  const std::uint64_t new_len = new_header.size();
  std::memcpy(&rebuilt[12], &new_crc, sizeof new_crc);
  std::memcpy(&rebuilt[16], &new_len, sizeof new_len);
  rebuilt += new_header;
  rebuilt.resize(format::align_up(rebuilt.size()), '\0');
  rebuilt += data;
  detail::open_and_query(std::move(rebuilt));
}

// The NAS-Bench-201 architecture-string parser: a string parses to a code that prints and
// parses back to itself, or it throws ArchParseError.
inline void arch_input(std::string_view text) {
  static const auto space = spaces::make_search_space("nb201");
  spaces::ArchCode code;
  try {
    code = space->parse(text);
  } catch (const spaces::ArchParseError&) {
    return;
  }
  detail::check(code < space->size(), "parse() gives a code in the space");
  detail::check(space->parse(space->to_string(code)) == code, "parse(to_string(c)) == c");
  detail::check(space->class_of(code) <= code, "class_of(c) <= c");
}

}  // namespace nasrun::fuzz
