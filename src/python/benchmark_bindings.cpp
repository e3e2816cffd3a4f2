// Benchmarks from Python: open a file (memory-mapped), its tables, NATS-Bench-like queries, and
// whole metrics as numpy arrays that are views of the mapped file.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>
#include <memory>

#include "bench/benchmark.hpp"
#include "bench/description.hpp"
#include "common/registry.hpp"
#include "python/bindings.hpp"
#include "python/conversions.hpp"

namespace nasrun::python {

namespace {

using BenchmarkPtr = std::shared_ptr<const bench::Benchmark>;

// A read-only numpy view of `count` values at `data`, shaped and strided as given, whose base
// object holds the benchmark (and so its mapping) for as long as the array or any view of it
// lives.
template <typename T>
py::array view(const BenchmarkPtr& benchmark, const T* data, std::vector<py::ssize_t> shape) {
  std::vector<py::ssize_t> strides(shape.size());
  py::ssize_t stride = sizeof(T);
  for (std::size_t k = shape.size(); k-- > 0;) {
    strides[k] = stride;
    stride *= shape[k];
  }
  auto* keep = new BenchmarkPtr(benchmark);
  py::capsule base(keep, [](void* p) { delete static_cast<BenchmarkPtr*>(p); });
  py::array array(py::dtype::of<T>(), std::move(shape), std::move(strides), data, base);
  py::detail::array_proxy(array.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return array;
}

// The benchmark index of an architecture given as a string or as a benchmark index (as
// NATS-Bench's API takes them).
std::size_t index_of(const bench::Benchmark& b, const py::handle& arch) {
  check_arch_type(arch, "a benchmark index (int)");
  if (py::isinstance<py::str>(arch)) return b.index_of(b.space().parse(arch.cast<std::string>()));
  const auto index = arch.cast<long long>();
  if (index < 0 || static_cast<std::size_t>(index) >= b.num_archs())
    throw std::out_of_range("index " + std::to_string(index) + " is out of range (expected 0.." +
                            std::to_string(b.num_archs() - 1) + ")");
  return static_cast<std::size_t>(index);
}

// "mean" (the mean over the seeds present, nas-bench query's default) or a training seed.
bench::SeedChoice seed_choice(const bench::Table& t, const py::handle& seed) {
  if (py::isinstance<py::str>(seed)) {
    const auto text = seed.cast<std::string>();
    if (text != "mean")
      throw std::invalid_argument("seed must be 'mean' or a training seed, got '" + text + "'");
    return {};
  }
  return {t.slot_of_seed(seed.cast<std::int64_t>())};
}

const bench::Table& table_of(const bench::Benchmark& b, const std::string& dataset,
                             const std::string& schedule) {
  return b.table(dataset, schedule);
}

bench::Metric metric_of(const bench::Table& t, const std::string& name) {
  const auto m = bench::parse_metric(name);
  if (!t.has_metric(m))
    throw bench::MissingDataError(t.dataset() + " @ schedule " + t.schedule() + " has no " +
                                  name + " values");
  return m;
}

std::vector<std::string> metric_names(const bench::Table& t) {
  std::vector<std::string> names;
  for (auto m : bench::all_metrics())
    if (t.has_metric(m)) names.push_back(bench::metric_name(m));
  return names;
}

}  // namespace

void bind_benchmarks(py::module_& m) {
  py::class_<bench::Table>(m, "Table", "One dataset under one training schedule")
      .def_property_readonly("dataset", &bench::Table::dataset)
      .def_property_readonly("schedule", &bench::Table::schedule)
      .def_property_readonly("epochs", &bench::Table::epochs)
      .def_property_readonly("recorded_epochs", &bench::Table::recorded_epochs)
      .def_property_readonly("seeds", &bench::Table::seeds)
      .def_property_readonly("metrics", &metric_names)
      .def_property_readonly("truth_metric",
                             [](const bench::Table& t) { return bench::metric_name(t.truth_metric()); })
      .def_property_readonly("num_rows", &bench::Table::num_rows)
      .def("__repr__", [](const bench::Table& t) {
        return "<nasrun.Table " + t.dataset() + " @ " + t.schedule() + ">";
      });

  py::class_<bench::Benchmark, std::shared_ptr<bench::Benchmark>>(
      m, "Benchmark", "A benchmark file, memory-mapped (docs/benchmark-format.md)")
      .def(py::init([](const std::string& path, bool verify_checksum) {
             py::gil_scoped_release release;
             return std::make_shared<bench::Benchmark>(
                 bench::Benchmark::open(path, bench::OpenOptions{verify_checksum}));
           }),
           py::arg("path"), py::arg("verify_checksum") = true)
      .def_property_readonly("space",
                             [](const bench::Benchmark& b) {
                               return std::const_pointer_cast<spaces::SearchSpace>(b.space_ptr());
                             })
      .def("__len__", &bench::Benchmark::num_archs)
      .def_property_readonly("num_archs", &bench::Benchmark::num_archs)
      .def_property_readonly("tables", &bench::Benchmark::tables,
                             py::return_value_policy::reference_internal)
      .def_property_readonly("datasets",
                             [](const bench::Benchmark& b) {
                               std::vector<std::string> names;
                               for (const auto& t : b.tables())
                                 if (std::find(names.begin(), names.end(), t.dataset()) ==
                                     names.end())
                                   names.push_back(t.dataset());
                               return names;
                             })
      .def("table", &table_of, py::arg("dataset"), py::arg("schedule") = "",
           py::return_value_policy::reference_internal,
           "The table of a dataset; the default schedule is its longest")
      .def_property_readonly("meta", [](const bench::Benchmark& b) { return to_python(b.meta()); })
      .def("info", [](const bench::Benchmark& b) { return to_python(bench::describe(b)); },
           "What nas-bench info --json prints")
      .def("code", [](const bench::Benchmark& b, const py::handle& arch) {
             return b.code(index_of(b, arch));
           }, py::arg("arch"), "The architecture code at a benchmark index (or of a string)")
      .def("index", [](const bench::Benchmark& b, const py::handle& arch) {
             return b.index_of(arch_code(b.space(), arch));
           }, py::arg("arch"), "The benchmark index of an architecture string or code")
      .def("arch", [](const bench::Benchmark& b, const py::handle& arch) {
             return b.space().to_string(b.code(index_of(b, arch)));
           }, py::arg("index"), "The architecture string at a benchmark index")
      .def("query",
           [](const bench::Benchmark& b, const py::handle& arch, const std::string& dataset,
              std::optional<int> epoch, const py::handle& seed, const std::string& schedule) {
             const auto& t = b.table(dataset, schedule);
             const auto i = index_of(b, arch);
             const auto choice = seed_choice(t, seed);
             const int at = epoch.value_or(t.epochs());
             if (at < 1 || at > t.epochs())
               throw std::out_of_range("epoch " + std::to_string(at) + " is outside " +
                                       t.dataset() + " @ schedule " + t.schedule() + " (1.." +
                                       std::to_string(t.epochs()) + ")");
             py::dict values;
             for (auto metric : bench::all_metrics())
               if (t.has_metric(metric))
                 values[bench::metric_name(metric)] = t.value(metric, i, choice, at);
             for (auto cost : bench::all_costs())
               values[bench::cost_name(cost)] = t.cost(cost, i);
             return values;
           },
           py::arg("arch"), py::arg("dataset"), py::arg("epoch") = py::none(),
           py::arg("seed") = "mean", py::arg("schedule") = "",
           "Every metric at an epoch (default: the schedule's last) and the costs of an "
           "architecture (string or benchmark index); NaN where missing")
      .def("results",
           [](const bench::Benchmark& b, const py::handle& arch, const std::string& dataset,
              const py::handle& seed, const std::string& schedule) {
             const auto& t = b.table(dataset, schedule);
             return to_python(bench::describe_results(b, t, index_of(b, arch), seed_choice(t, seed)));
           },
           py::arg("arch"), py::arg("dataset"), py::arg("seed") = "mean",
           py::arg("schedule") = "", "What nas-bench query --json prints")
      .def("curves",
           [](const std::shared_ptr<bench::Benchmark>& b, const std::string& dataset,
              const std::string& metric, const std::string& schedule) {
             const auto& t = b->table(dataset, schedule);
             const auto* data = t.metric_array(metric_of(t, metric));
             return view<float>(b, data,
                                {static_cast<py::ssize_t>(t.num_rows()),
                                 static_cast<py::ssize_t>(t.seeds().size()),
                                 static_cast<py::ssize_t>(t.recorded_epochs().size())});
           },
           py::arg("dataset"), py::arg("metric"), py::arg("schedule") = "",
           "float32 [rows, seeds, recorded epochs], a read-only view of the mapped file")
      .def("rows",
           [](const std::shared_ptr<bench::Benchmark>& b, const std::string& dataset,
              const std::string& schedule) {
             const auto& t = b->table(dataset, schedule);
             return view<std::int32_t>(b, t.row_of_arch_array(),
                                       {static_cast<py::ssize_t>(t.num_archs())});
           },
           py::arg("dataset"), py::arg("schedule") = "",
           "int32 [archs]: the row of curves() holding each benchmark index's results (-1: none)")
      .def("seed_present",
           [](const std::shared_ptr<bench::Benchmark>& b, const std::string& dataset,
              const std::string& schedule) {
             const auto& t = b->table(dataset, schedule);
             return view<std::uint8_t>(b, t.seed_present_array(),
                                       {static_cast<py::ssize_t>(t.num_archs()),
                                        static_cast<py::ssize_t>(t.seeds().size())});
           },
           py::arg("dataset"), py::arg("schedule") = "",
           "uint8 [archs, seeds]: 1 where the architecture was trained with that seed")
      .def("costs",
           [](const std::shared_ptr<bench::Benchmark>& b, const std::string& dataset,
              const std::string& cost, const std::string& schedule) {
             const auto& t = b->table(dataset, schedule);
             for (auto c : bench::all_costs())
               if (cost == bench::cost_name(c)) {
                 if (!t.cost_array(c))
                   throw bench::MissingDataError(t.dataset() + " @ schedule " + t.schedule() +
                                                 " has no " + cost + " values");
                 return view<double>(b, t.cost_array(c), {static_cast<py::ssize_t>(t.num_archs())});
               }
             std::vector<std::string> names;
             for (auto c : bench::all_costs()) names.push_back(bench::cost_name(c));
             throw unknown_name("cost", cost, names);
           },
           py::arg("dataset"), py::arg("cost"), py::arg("schedule") = "",
           "float64 [archs], a read-only view of the mapped file (NaN where unknown)")
      .def("__repr__", [](const bench::Benchmark& b) {
        return "<nasrun.Benchmark " + b.space().name() + ": " + std::to_string(b.num_archs()) +
               " architectures, " + std::to_string(b.tables().size()) + " tables>";
      });
  m.def("metric_names", [] {
    std::vector<std::string> names;
    for (auto metric : bench::all_metrics()) names.push_back(bench::metric_name(metric));
    return names;
  });
}

}  // namespace nasrun::python
