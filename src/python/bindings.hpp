// The Python module nasrun._core (pybind11): each file binds one part of the core and adds it to
// the module. The Python package python/nasrun wraps it (nasrun/__init__.py).
#pragma once

#include <pybind11/pybind11.h>

#include <nlohmann/json.hpp>

namespace nasrun::python {

namespace py = pybind11;

void bind_errors(py::module_& m);
void bind_spaces(py::module_& m);
void bind_benchmarks(py::module_& m);
void bind_strategies(py::module_& m);
void bind_python_strategies(py::module_& m);
void bind_studies(py::module_& m);

// A JSON document as Python objects (through Python's json module, so numbers round-trip
// exactly and null stays None).
py::object to_python(const nlohmann::json& document);
nlohmann::json to_json(const py::handle& object);

}  // namespace nasrun::python
