// Search spaces: architectures as strings, codes (the benchmark-independent number of an
// architecture), choices per dimension and isomorphism classes.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "python/bindings.hpp"
#include "python/conversions.hpp"
#include "spaces/search_space.hpp"

namespace nasrun::python {

void bind_spaces(py::module_& m) {
  py::class_<spaces::SearchSpace, std::shared_ptr<spaces::SearchSpace>>(
      m, "Space", "A search space: a categorical product of dimensions")
      .def(py::init([](const std::string& name) {
             return std::const_pointer_cast<spaces::SearchSpace>(spaces::make_search_space(name));
           }),
           py::arg("name") = "nb201")
      .def_property_readonly("name", &spaces::SearchSpace::name)
      .def_property_readonly("size", &spaces::SearchSpace::size)
      .def("__len__", &spaces::SearchSpace::size)
      .def_property_readonly(
          "dimensions",
          [](const spaces::SearchSpace& s) {
            std::vector<std::pair<std::string, std::vector<std::string>>> dims;
            for (std::size_t d = 0; d < s.num_dimensions(); ++d) {
              std::vector<std::string> choices;
              for (std::size_t c = 0; c < s.num_choices(d); ++c)
                choices.push_back(s.choice_name(d, c));
              dims.emplace_back(s.dimension_name(d), std::move(choices));
            }
            return dims;
          },
          "[(dimension name, [choice names])], in code order")
      .def("to_string", &spaces::SearchSpace::to_string, py::arg("code"))
      .def("parse", &spaces::SearchSpace::parse, py::arg("text"))
      .def(
          "code", [](const spaces::SearchSpace& s, const py::handle& arch) {
            return arch_code(s, arch);
          },
          py::arg("arch"), "The code of an architecture given as a string or a code (checked)")
      .def(
          "class_of",
          [](const spaces::SearchSpace& s, const py::handle& arch) {
            return s.class_of(arch_code(s, arch));
          },
          py::arg("arch"), "The code of the isomorphism class's representative")
      .def(
          "class_representatives",
          [](const spaces::SearchSpace& s) { return owned_array(s.class_representatives()); },
          "The representatives' codes, ascending (a numpy array)")
      .def(
          "decode",
          [](const spaces::SearchSpace& s, const py::handle& arch) {
            return s.decode(arch_code(s, arch));
          },
          py::arg("arch"), "The choice of each dimension")
      .def("encode", &spaces::SearchSpace::encode, py::arg("choices"))
      .def("__repr__", [](const spaces::SearchSpace& s) {
        return "<nasrun.Space " + s.name() + ": " + std::to_string(s.size()) + " architectures>";
      });
  m.def("space_names", &spaces::search_space_names);
}

}  // namespace nasrun::python
