// Studies and evaluators from Python, with nas-run's options: run_study plans with
// experiment::plan_study, runs with experiment::run_study (the GIL released) and summarises as
// nas-run does, writing the same output folder when given one.
#include <pybind11/stl.h>

#include <Python.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "common/lists.hpp"
#include "common/random.hpp"
#include "python/bindings.hpp"
#include "python/conversions.hpp"
#include "study/plan.hpp"
#include "study/plot.hpp"
#include "study/study_output.hpp"
#include "study/summary.hpp"

namespace nasrun::python {

namespace {

// What run_study takes beside the study: nas-run's output options.
struct OutputOptions {
  std::optional<std::string> out;
  bool force = false, plot = false;
  std::string plot_curve = "incumbent";
  std::optional<double> target_error;
  std::string target_error_text;  // as given, for messages
};

// A comma list ("re,tpe", as nas-run takes it) or a list of names.
std::vector<std::string> names(const py::handle& value, const std::string& option) {
  if (py::isinstance<py::str>(value)) return common::split_list(value.cast<std::string>(), option);
  auto list = value.cast<std::vector<std::string>>();
  std::string text;
  for (const auto& name : list) text += (text.empty() ? "" : ",") + name;
  return common::split_list(text, option);
}

template <typename T>
std::optional<T> optional_of(const py::handle& value) {
  if (value.is_none()) return std::nullopt;
  return value.cast<T>();
}

// Each keyword is the nas-run option of the same name with '_' for '-'; --source-option is
// `source_options`, a dict; --seed is `seed`.
using Setter = std::function<void(experiment::StudyOptions&, OutputOptions&, const py::handle&)>;
const std::map<std::string, Setter>& setters() {
  using O = experiment::StudyOptions;
  using W = OutputOptions;
  using H = const py::handle&;
  static const std::map<std::string, Setter> all = {
      {"strategy", [](O& o, W&, H v) { o.strategies = names(v, "strategy"); }},
      {"evaluator", [](O& o, W&, H v) { o.evaluators = names(v, "evaluator"); }},
      {"seeds", [](O& o, W&, H v) { o.seeds = v.cast<int>(); }},
      {"benchmark", [](O& o, W&, H v) { o.benchmark = optional_of<std::string>(v); }},
      {"dataset", [](O& o, W&, H v) { o.dataset = v.cast<std::string>(); }},
      {"source", [](O& o, W&, H v) { o.source = v.cast<std::string>(); }},
      {"space", [](O& o, W&, H v) { o.space = v.cast<std::string>(); }},
      {"source_options",
       [](O& o, W&, H v) {
         // As --source-option key=value gives them: strings.
         o.source_options = nlohmann::json::object();
         for (const auto& [key, value] : v.cast<py::dict>())
           o.source_options[py::str(key).cast<std::string>()] = py::str(value).cast<std::string>();
       }},
      {"device", [](O& o, W&, H v) { o.device = optional_of<std::string>(v); }},
      {"budget", [](O& o, W&, H v) { o.budget = py::str(v).cast<std::string>(); }},
      {"T", [](O& o, W&, H v) { o.T = optional_of<int>(v); }},
      {"E", [](O& o, W&, H v) { o.E = optional_of<int>(v); }},
      {"mu", [](O& o, W&, H v) { o.mu = optional_of<double>(v); }},
      {"n_init", [](O& o, W&, H v) { o.n_init = v.cast<std::size_t>(); }},
      {"init_file", [](O& o, W&, H v) { o.init_file = v.cast<std::string>(); }},
      {"warmup", [](O& o, W&, H v) { o.warmup = optional_of<std::string>(v); }},
      {"warmup_sample",
       [](O& o, W&, H v) { o.warmup_sample = optional_of<std::size_t>(v); }},
      {"proxy_rungs", [](O& o, W&, H v) { o.proxy_rungs = v.cast<bool>(); }},
      {"workers", [](O& o, W&, H v) { o.workers = v.cast<int>(); }},
      {"threads", [](O& o, W&, H v) { o.threads = v.cast<int>(); }},
      {"seed", [](O& o, W&, H v) { o.base_seed = v.cast<std::uint64_t>(); }},
      {"data_seed", [](O& o, W&, H v) { o.data_seed = py::str(v).cast<std::string>(); }},
      {"truth_seed", [](O& o, W&, H v) { o.truth_seed = py::str(v).cast<std::string>(); }},
      {"train_time_only", [](O& o, W&, H v) { o.train_time_only = v.cast<bool>(); }},
      {"max_evaluations", [](O& o, W&, H v) { o.max_evaluations = v.cast<std::size_t>(); }},
      {"min_epochs", [](O& o, W&, H v) { o.min_epochs = optional_of<int>(v); }},
      {"max_epochs", [](O& o, W&, H v) { o.max_epochs = optional_of<int>(v); }},
      {"eta", [](O& o, W&, H v) { o.eta = optional_of<double>(v); }},
      {"brackets", [](O& o, W&, H v) { o.brackets = optional_of<int>(v); }},
      {"out", [](O&, W& w, H v) { w.out = optional_of<std::string>(v); }},
      {"force", [](O&, W& w, H v) { w.force = v.cast<bool>(); }},
      {"plot", [](O&, W& w, H v) { w.plot = v.cast<bool>(); }},
      {"plot_curve", [](O&, W& w, H v) { w.plot_curve = v.cast<std::string>(); }},
      {"target_error",
       [](O&, W& w, H v) {
         w.target_error = optional_of<double>(v);
         w.target_error_text = py::str(v).cast<std::string>();
       }},
  };
  return all;
}

std::pair<experiment::StudyOptions, OutputOptions> options_of(const py::dict& given,
                                                               const std::string& embedded) {
  experiment::StudyOptions study;
  OutputOptions output;
  study.embedded_benchmark = embedded;
  std::vector<std::string> known;
  for (const auto& [name, setter] : setters()) known.push_back(name);
  for (const auto& [key, value] : given) {
    const auto name = py::str(key).cast<std::string>();
    const auto it = setters().find(name);
    if (it == setters().end()) throw unknown_name("run_study option", name, known);
    try {
      it->second(study, output, value);
    } catch (const py::cast_error&) {
      throw py::type_error("run_study option '" + name + "' cannot take " +
                           py::repr(value).cast<std::string>() + " (" +
                           py::str(value.get_type().attr("__name__")).cast<std::string>() + ")");
    }
  }
  // As nas-run checks them.
  if (output.plot_curve != "incumbent" && output.plot_curve != "best-seen")
    throw std::invalid_argument("--plot-curve must be incumbent or best-seen, got '" +
                                output.plot_curve + "'");
  if (output.target_error && !(*output.target_error >= 0 && *output.target_error <= 100))
    throw std::invalid_argument("--target-error must be a test error in percent, 0 to 100, got '" +
                                output.target_error_text + "'");
  return {study, output};
}

void warn(const std::vector<std::string>& warnings) {
  for (const auto& text : warnings)
    PyErr_WarnEx(PyExc_UserWarning, text.c_str(), 2);
}

// Ctrl-C while the study runs: the interpreter notes the signal, and the main thread, which
// works on runs too, sees it between runs; no further run starts (those in progress finish and
// are saved) and KeyboardInterrupt is raised.
class InterruptCheck {
 public:
  bool operator()() {
    if (interrupted_) return true;
    if (std::this_thread::get_id() != main_) return false;
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      PyErr_Clear();
      interrupted_ = true;
    }
    return interrupted_;
  }

 private:
  std::thread::id main_ = std::this_thread::get_id();
  std::atomic<bool> interrupted_{false};
};

py::object run_study(const py::dict& given, const std::string& embedded) {
  auto [options, output_options] = options_of(given, embedded);
  const auto started = std::chrono::steady_clock::now();
  std::optional<experiment::StudyPlan> plan;
  {
    py::gil_scoped_release release;
    plan.emplace(experiment::plan_study(options));
  }
  warn(plan->warnings);
  std::optional<experiment::StudyOutput> output;
  if (output_options.out)
    output.emplace(*output_options.out, plan->record, *plan->space, plan->inputs,
                   output_options.force);
  InterruptCheck interrupted;
  std::vector<experiment::RunResult> results;
  try {
    py::gil_scoped_release release;
    experiment::StudyHooks hooks;
    if (output) {
      hooks.resume = [&](const std::string& s, const std::string& e, int run) {
        return output->load(s, e, run);
      };
      hooks.save = [&](const experiment::RunResult& r) { output->write_trace(r); };
      hooks.open_journal = [&](const std::string& s, const std::string& e, int run) {
        return output->open_journal(s, e, run);
      };
    }
    hooks.stop_requested = std::ref(interrupted);
    hooks.keep_summary_rows_only = true;  // only the summary is returned
    results = experiment::run_study(plan->config, plan->space, plan->make_evaluator, hooks);
  } catch (const experiment::StudyInterrupted& e) {
    PyErr_SetString(PyExc_KeyboardInterrupt,
                    (std::string(e.what()) +
                     (output ? "; the finished runs are saved in " + output->dir() +
                                   ": run the same study there to resume"
                             : std::string()))
                        .c_str());
    throw py::error_already_set();
  }
  const auto summary = experiment::summarise(results, plan->config.budget.budget_s, 100,
                                             output_options.target_error);
  const double real_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const nlohmann::json extra = {{"real_time_s", real_s}, {"config", plan->record}};
  if (output) {
    output->write_summary(summary, extra);
    if (output_options.plot)
      experiment::plot_study(summary, output->dir() + "/figure",
                             "NAS on " + plan->dataset + " (" + std::to_string(plan->config.seeds) +
                                 " seeds)",
                             output_options.plot_curve == "best-seen"
                                 ? experiment::PlottedQuantity::BestSeen
                                 : experiment::PlottedQuantity::Incumbent);
  } else if (output_options.plot) {
    throw std::invalid_argument("plot=True needs out= (the folder the figure goes into)");
  }
  auto document = summary.to_json();
  document.update(extra);
  return to_python(document);
}

py::dict evaluation(const evaluators::Evaluation& e) {
  py::dict d;
  d["score"] = e.score;
  d["cost_s"] = e.cost_s;
  d["epochs"] = e.epochs;
  d["diverged"] = e.diverged;
  d["test_error"] = e.truth.test_error;
  return d;
}

// An evaluator of a study's plan, with its own data draws and the kept trials of rungs.
class Evaluator {
 public:
  Evaluator(const std::string& name, std::uint64_t seed, const py::dict& given,
            const std::string& embedded) {
    auto [options, output] = options_of(given, embedded);
    options.evaluators = {name};
    {
      py::gil_scoped_release release;
      plan_.emplace(experiment::plan_study(options));
    }
    warn(plan_->warnings);
    evaluator_ = plan_->make_evaluator(name, plan_->config.estimator);
    data_rng_.seed(common::mix_seed(seed, 2));
  }
  py::dict evaluate(const py::handle& arch) {
    const auto code = arch_code(*plan_->space, arch);
    py::gil_scoped_release release;
    const auto e = evaluator_->evaluate(code, data_rng_);
    py::gil_scoped_acquire gil;
    return evaluation(e);
  }
  py::dict evaluate_rung(const py::handle& arch, int epochs, std::uint64_t trial) {
    const auto code = arch_code(*plan_->space, arch);
    py::gil_scoped_release release;
    const auto e = evaluator_->evaluate_rung(code, epochs, data_rng_, trials_[trial]);
    py::gil_scoped_acquire gil;
    return evaluation(e);
  }
  void drop(std::uint64_t trial) { trials_.erase(trial); }
  const experiment::StudyPlan& plan() const { return *plan_; }

 private:
  std::optional<experiment::StudyPlan> plan_;
  std::unique_ptr<evaluators::Evaluator> evaluator_;
  common::Rng data_rng_;
  std::map<std::uint64_t, evaluators::Trial> trials_;
};

}  // namespace

void bind_studies(py::module_& m) {
  m.def("_run_study", &run_study, py::arg("options"), py::arg("embedded_benchmark"));
  py::class_<Evaluator>(m, "_Evaluator")
      .def(py::init<const std::string&, std::uint64_t, const py::dict&, const std::string&>(),
           py::arg("name"), py::arg("seed"), py::arg("options"), py::arg("embedded_benchmark"))
      .def("evaluate", &Evaluator::evaluate, py::arg("arch"))
      .def("evaluate_rung", &Evaluator::evaluate_rung, py::arg("arch"), py::arg("epochs"),
           py::arg("trial"))
      .def("drop", &Evaluator::drop, py::arg("trial"))
      .def_property_readonly("T", [](const Evaluator& e) { return e.plan().config.estimator.T; })
      .def_property_readonly("schedule_epochs",
                             [](const Evaluator& e) { return e.plan().schedule_epochs; })
      .def_property_readonly("budget_s",
                             [](const Evaluator& e) { return e.plan().config.budget.budget_s; })
      .def_property_readonly("space", [](const Evaluator& e) {
        return std::const_pointer_cast<spaces::SearchSpace>(e.plan().space);
      });
  m.def("estimators", [] { return experiment::search_estimators(); },
        "[(name, description)] of the estimators a study offers as evaluators");
}

}  // namespace nasrun::python
