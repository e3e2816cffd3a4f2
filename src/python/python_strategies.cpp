// Strategies written in Python, registered by name and driven by the C++ runner like built-in
// ones. The runner's threads take the GIL only around the Python object's calls; a Python
// exception becomes a C++ one naming the strategy, which stops that run (run_study reports it).
#include <pybind11/stl.h>

#include <cctype>

#include "python/bindings.hpp"
#include "search/multi_fidelity.hpp"

namespace nasrun::python {

namespace {

// name -> (factory, multi_fidelity), in the module so that no Python object outlives the
// interpreter in a C++ static.
py::dict python_factories() {
  return py::module_::import("nasrun._core").attr("_python_strategies");
}

// The Python object behind a strategy; its calls and its release hold the GIL.
class PythonObject {
 public:
  PythonObject(std::string strategy, std::uint64_t seed, py::object object)
      : strategy_(std::move(strategy)), seed_(seed), object_(std::move(object)) {}
  ~PythonObject() {
    py::gil_scoped_acquire gil;
    object_ = py::object();
  }
  PythonObject(const PythonObject&) = delete;
  PythonObject& operator=(const PythonObject&) = delete;

  bool has(const char* method) const { return py::hasattr(object_, method); }

  // object.method(args...) converted to T; any Python error or a result of another type is a
  // std::runtime_error naming the strategy, its seed and the call.
  template <typename T, typename... Args>
  T call(const char* method, const char* expected, Args&&... args) const {
    try {
      py::object result = object_.attr(method)(std::forward<Args>(args)...);
      try {
        return result.cast<T>();
      } catch (const py::cast_error&) {
        throw std::runtime_error(where(method) + " returned " + py::repr(result).cast<std::string>() +
                                 ", expected " + expected);
      }
    } catch (py::error_already_set& e) {
      throw std::runtime_error(where(method) + " raised " + e.what());
    }
  }

  std::string where(const char* method) const {
    return "Python strategy '" + strategy_ + "' (strategy seed " + std::to_string(seed_) + "): " +
           method + "()";
  }

 private:
  std::string strategy_;
  std::uint64_t seed_;
  py::object object_;
};

// An architecture the object proposed, checked against the space.
spaces::ArchCode checked(const PythonObject& object, const spaces::SearchSpace& space,
                         spaces::ArchCode arch) {
  try {
    space.check(arch);
  } catch (const std::out_of_range& e) {
    throw std::runtime_error(object.where("ask") + " proposed " + std::to_string(arch) + ": " +
                             e.what());
  }
  return arch;
}

class PythonStrategy : public search::Strategy {
 public:
  PythonStrategy(std::unique_ptr<PythonObject> object, spaces::SearchSpacePtr space)
      : object_(std::move(object)), space_(std::move(space)) {}
  spaces::ArchCode ask() override {
    py::gil_scoped_acquire gil;
    return checked(*object_, *space_,
                   object_->call<spaces::ArchCode>("ask", "an architecture code (int)"));
  }
  void tell(spaces::ArchCode arch, double score) override {
    py::gil_scoped_acquire gil;
    object_->call<py::object>("tell", "anything", arch, score);
  }

 private:
  std::unique_ptr<PythonObject> object_;
  spaces::SearchSpacePtr space_;
};

class PythonJobStrategy : public search::MultiFidelityStrategy {
 public:
  PythonJobStrategy(std::unique_ptr<PythonObject> object, spaces::SearchSpacePtr space)
      : object_(std::move(object)), space_(std::move(space)) {}
  std::optional<search::Job> ask() override {
    py::gil_scoped_acquire gil;
    auto job = object_->call<std::optional<search::Job>>("ask", "a nasrun.Job or None");
    if (job) checked(*object_, *space_, job->arch);
    return job;
  }
  void tell(const search::Job& job, double score) override {
    py::gil_scoped_acquire gil;
    object_->call<py::object>("tell", "anything", job, score);
  }
  std::vector<std::uint64_t> take_dropped() override {
    py::gil_scoped_acquire gil;
    if (!object_->has("take_dropped")) return {};
    return object_->call<std::vector<std::uint64_t>>("take_dropped", "a list of trial numbers");
  }

 private:
  std::unique_ptr<PythonObject> object_;
  spaces::SearchSpacePtr space_;
};

// The object the registered Python factory makes for `ctx`.
std::unique_ptr<PythonObject> make_object(const std::string& name,
                                          const search::StrategyContext& ctx) {
  py::gil_scoped_acquire gil;
  try {
    py::object factory = python_factories()[py::str(name)].cast<py::tuple>()[0];
    return std::make_unique<PythonObject>(name, ctx.seed, factory(ctx));
  } catch (py::error_already_set& e) {
    throw std::runtime_error("Python strategy '" + name + "' (strategy seed " +
                             std::to_string(ctx.seed) + "): its factory raised " + e.what());
  }
}

// Letters, digits, '-', '_' and '.', not starting with '-': a name that a comma list of
// strategies and a trace's file name both hold as it is.
void check_name(const std::string& name) {
  bool ok = !name.empty() && name.front() != '-';
  for (char c : name)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  if (!ok)
    throw std::invalid_argument("a strategy name is letters, digits, '-', '_' and '.' (not "
                                "starting with '-'), got '" + name + "'");
}

void register_strategy(const std::string& name, const py::object& factory,
                       const std::string& description, bool multi_fidelity) {
  check_name(name);
  if (!PyCallable_Check(factory.ptr()))
    throw py::type_error("register_strategy: the factory of '" + name +
                         "' must be callable (it is given a nasrun.StrategyContext)");
  auto factories = python_factories();
  if (factories.contains(name)) {
    // Registering again (a notebook cell run twice) replaces the factory, of the same kind.
    if (factories[py::str(name)].cast<py::tuple>()[1].cast<bool>() != multi_fidelity)
      throw std::invalid_argument("strategy '" + name + "' is registered as a " +
                                  (multi_fidelity ? "single" : "multi") +
                                  "-fidelity strategy; register the other kind under another name");
    factories[py::str(name)] = py::make_tuple(factory, multi_fidelity);
    return;
  }
  if (search::strategy_registry().contains(name) || search::is_multi_fidelity(name))
    throw std::invalid_argument("strategy '" + name +
                                "' is built into nas-run; give the Python strategy another name");
  const auto text = description.empty() ? "a strategy written in Python" : description;
  if (multi_fidelity)
    search::multi_fidelity_strategy_registry().add(
        name, text, [name](const search::StrategyContext& ctx) {
          return std::make_unique<PythonJobStrategy>(make_object(name, ctx), ctx.space);
        },
        {});
  else
    search::strategy_registry().add(
        name, text, [name](const search::StrategyContext& ctx) {
          return std::make_unique<PythonStrategy>(make_object(name, ctx), ctx.space);
        },
        {});
  factories[py::str(name)] = py::make_tuple(factory, multi_fidelity);
}

}  // namespace

void bind_python_strategies(py::module_& m) {
  m.attr("_python_strategies") = py::dict();
  m.def("register_strategy", &register_strategy, py::arg("name"), py::arg("factory"),
        py::arg("description") = "", py::arg("multi_fidelity") = false,
        "Registers a strategy written in Python under `name`: factory(StrategyContext) returns "
        "an object with ask() and tell(arch, score) (multi_fidelity: ask() -> Job or None, "
        "tell(job, score), optionally take_dropped() -> [trials])");
}

}  // namespace nasrun::python
