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

// TypeError unless `arch` is a string or an integer (`number` names what the integer is).
inline void check_arch_type(const py::handle& arch, const char* number) {
  if (!py::isinstance<py::str>(arch) && !PyLong_Check(arch.ptr()) &&
      !PyIndex_Check(arch.ptr()))
    throw py::type_error(std::string("an architecture is a string or ") + number + ", got " +
                         py::repr(arch).cast<std::string>());
}

// An architecture string (parsed) or a code (checked against the space).
inline spaces::ArchCode arch_code(const spaces::SearchSpace& space, const py::handle& arch) {
  check_arch_type(arch, "a code (int)");
  if (py::isinstance<py::str>(arch)) return space.parse(arch.cast<std::string>());
  if (arch < py::int_(0))
    throw std::out_of_range("architecture code " + py::repr(arch).cast<std::string>() +
                            " is negative (codes are 0 to the space's size - 1)");
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
