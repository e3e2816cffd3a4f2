// What several bindings convert: architectures given as strings or codes, seeds given as
// "mean" or a number, vectors handed to numpy.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "bench/benchmark.hpp"
#include "spaces/search_space.hpp"

namespace nasrun::python {

namespace py = pybind11;

// An architecture string (parsed) or a code (checked against the space).
inline spaces::ArchCode arch_code(const spaces::SearchSpace& space, const py::handle& arch) {
  if (py::isinstance<py::str>(arch)) return space.parse(arch.cast<std::string>());
  const auto code = arch.cast<spaces::ArchCode>();
  space.check(code);
  return code;
}

// A vector moved into a numpy array that owns it.
template <typename T>
py::array_t<T> owned_array(std::vector<T> values) {
  auto* owned = new std::vector<T>(std::move(values));
  py::capsule release(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({owned->size()}, {sizeof(T)}, owned->data(), release);
}

}  // namespace nasrun::python
