// Strategies by name, driven from Python by ask/tell: single-fidelity ones (ask() -> an
// architecture code) and any strategy as jobs with a fidelity (ask() -> Job or None).
#include <pybind11/stl.h>

#include "python/bindings.hpp"
#include "python/conversions.hpp"
#include "search/multi_fidelity.hpp"

namespace nasrun::python {

void bind_strategies(py::module_& m) {
  py::class_<search::StrategyContext>(
      m, "StrategyContext",
      "What a strategy is made with: the space, its seed, the initial design and fidelities")
      .def(py::init([](const std::shared_ptr<spaces::SearchSpace>& space, std::uint64_t seed,
                       std::size_t n_init, std::vector<spaces::ArchCode> initial_design,
                       int min_epochs, int max_epochs, double eta, int brackets) {
             search::StrategyContext ctx;
             ctx.space = space;
             ctx.seed = seed;
             ctx.n_init = n_init;
             ctx.initial_design = std::move(initial_design);
             ctx.fidelity = {min_epochs, max_epochs, eta, brackets};
             return ctx;
           }),
           py::arg("space"), py::arg("seed") = 0, py::arg("n_init") = 10,
           py::arg("initial_design") = std::vector<spaces::ArchCode>{}, py::arg("min_epochs") = 1,
           py::arg("max_epochs") = 1, py::arg("eta") = 3.0, py::arg("brackets") = 0)
      .def_property_readonly("space",
                             [](const search::StrategyContext& c) {
                               return std::const_pointer_cast<spaces::SearchSpace>(c.space);
                             })
      .def_readonly("seed", &search::StrategyContext::seed)
      .def_readonly("n_init", &search::StrategyContext::n_init)
      .def_readonly("initial_design", &search::StrategyContext::initial_design)
      .def_property_readonly("min_epochs",
                             [](const search::StrategyContext& c) { return c.fidelity.min_epochs; })
      .def_property_readonly("max_epochs",
                             [](const search::StrategyContext& c) { return c.fidelity.max_epochs; })
      .def_property_readonly("eta", [](const search::StrategyContext& c) { return c.fidelity.eta; })
      .def_property_readonly("brackets",
                             [](const search::StrategyContext& c) { return c.fidelity.brackets; })
      .def(
          "initial_architectures",
          [](const search::StrategyContext& c) {
            search::InitialDesign design(c);
            std::vector<spaces::ArchCode> codes;
            while (!design.exhausted()) codes.push_back(design.next());
            return codes;
          },
          "The initial design nas-run's own strategies start from: initial_design when given, "
          "else n_init draws seeded from the context's seed (the same in every strategy of a "
          "run, so strategies compare on common random numbers)");

  py::class_<search::Job>(m, "Job", "One job of a trial: train `arch` to `epochs`")
      .def(py::init([](std::uint64_t trial, spaces::ArchCode arch, int epochs) {
             return search::Job{trial, arch, epochs};
           }),
           py::arg("trial"), py::arg("arch"), py::arg("epochs"))
      .def_readwrite("trial", &search::Job::trial)
      .def_readwrite("arch", &search::Job::arch)
      .def_readwrite("epochs", &search::Job::epochs)
      .def("__eq__",
           [](const search::Job& a, const search::Job& b) {
             return a.trial == b.trial && a.arch == b.arch && a.epochs == b.epochs;
           })
      .def("__repr__", [](const search::Job& j) {
        return "Job(trial=" + std::to_string(j.trial) + ", arch=" + std::to_string(j.arch) +
               ", epochs=" + std::to_string(j.epochs) + ")";
      });
  m.attr("ESTIMATOR_EPOCHS") = search::Job::kEstimatorEpochs;

  py::class_<search::Strategy>(m, "Strategy",
                               "A single-fidelity strategy by name: ask() -> code, tell(code, score)")
      .def(py::init([](const std::string& name, const search::StrategyContext& ctx) {
             return search::make_strategy(name, ctx);
           }),
           py::arg("name"), py::arg("context"))
      .def("ask", &search::Strategy::ask)
      .def("tell", &search::Strategy::tell, py::arg("arch"), py::arg("score"));

  py::class_<search::MultiFidelityStrategy>(
      m, "JobStrategy",
      "Any strategy by name as jobs: ask() -> Job or None, tell(job, score), take_dropped()")
      .def(py::init([](const std::string& name, const search::StrategyContext& ctx) {
             return search::make_job_strategy(name, ctx);
           }),
           py::arg("name"), py::arg("context"))
      .def("ask", &search::MultiFidelityStrategy::ask)
      .def("tell", &search::MultiFidelityStrategy::tell, py::arg("job"), py::arg("score"))
      .def("take_dropped", &search::MultiFidelityStrategy::take_dropped);

  m.def(
      "strategies",
      [] {
        std::vector<std::tuple<std::string, std::string, bool>> out;
        for (const auto& [name, description] : search::all_strategies())
          out.emplace_back(name, description, search::is_multi_fidelity(name));
        return out;
      },
      "[(name, description, multi_fidelity)] of every registered strategy, by name");
}

}  // namespace nasrun::python
