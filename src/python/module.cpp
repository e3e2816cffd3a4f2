#include <pybind11/stl.h>

#include <cerrno>
#include <cstring>

#include "bench/benchmark.hpp"
#include "common/file_io.hpp"
#include "common/random.hpp"
#include "python/bindings.hpp"

namespace nasrun::python {

py::object to_python(const nlohmann::json& document) {
  return py::module_::import("json").attr("loads")(document.dump());
}

nlohmann::json to_json(const py::handle& object) {
  return nlohmann::json::parse(py::module_::import("json").attr("dumps")(object).cast<std::string>());
}

// Whether a message is common::os_error's for a file that is not there: Python says
// FileNotFoundError, as its own open() does.
bool is_missing_file(const char* message) {
  return std::strncmp(message, "cannot open '", 13) == 0 &&
         std::strstr(message, std::strerror(ENOENT)) != nullptr;
}

// The core's exceptions as Python ones, with the same messages as the programs print after
// "<program>: error: ". Types pybind11 already maps keep its mapping (std::invalid_argument, so
// unknown names, bad options and unparsable architectures: ValueError; std::out_of_range:
// IndexError; others: RuntimeError).
void bind_errors(py::module_& m) {
  static py::exception<bench::FormatError> format_error(m, "FormatError", PyExc_ValueError);
  static py::exception<bench::MissingDataError> missing_data(m, "MissingDataError",
                                                             PyExc_LookupError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const bench::FormatError& e) {
      // Benchmark::open reports a file it cannot open as a format error.
      if (is_missing_file(e.what()))
        PyErr_SetString(PyExc_FileNotFoundError, e.what());
      else
        format_error(e.what());
    } catch (const bench::MissingDataError& e) {
      missing_data(e.what());
    } catch (const common::FileError& e) {
      PyErr_SetString(is_missing_file(e.what()) ? PyExc_FileNotFoundError : PyExc_OSError,
                      e.what());
    }
  });
}

}  // namespace nasrun::python

PYBIND11_MODULE(_core, m) {
  namespace python = nasrun::python;
  namespace py = pybind11;
  m.doc() = "nas-run's core: benchmarks, search spaces, strategies, evaluators and studies";
  python::bind_errors(m);
  python::bind_spaces(m);
  python::bind_benchmarks(m);
  python::bind_strategies(m);
  python::bind_python_strategies(m);
  python::bind_studies(m);
  m.def("mix_seed", &nasrun::common::mix_seed, py::arg("seed"), py::arg("stream"),
        "splitmix64 mixing, as studies derive run and strategy seeds (docs/architecture.md)");
}
