#include "bench/earlier_output.hpp"

#include "bench/benchmark.hpp"
#include "bench/nats_importer.hpp"
#include "bench/nb201_csv.hpp"

namespace nasrun::bench {

bool is_imported_benchmark(const std::string& path) {
  try {
    const auto source = Benchmark::open(path).meta().value("source", std::string());
    return source == kNb201CsvSource || source == kNatsTopologySource ||
           source == kNatsSizeSource;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace nasrun::bench
