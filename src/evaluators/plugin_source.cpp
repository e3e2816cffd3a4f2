#include "evaluators/plugin_source.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace nasrun::evaluators {

namespace {

constexpr const char* kPluginFile = "libnasrun_live.so";

// $NASRUN_PLUGIN_DIR when set, else the folder of the running program (the build puts the
// plugin beside the programs), else <prefix>/lib for an installed program in <prefix>/bin.
std::filesystem::path plugin_path() {
  if (const char* dir = std::getenv("NASRUN_PLUGIN_DIR"); dir && *dir)
    return std::filesystem::path(dir) / kPluginFile;
  std::error_code error;
  const auto program = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error)
    throw std::runtime_error("the live source cannot find its plugin " + std::string(kPluginFile) +
                             ": /proc/self/exe does not name the running program (" +
                             error.message() + "); set NASRUN_PLUGIN_DIR to its folder");
  const auto beside = program.parent_path() / kPluginFile;
  const auto installed = program.parent_path().parent_path() / "lib" / kPluginFile;
  return std::filesystem::exists(beside, error) || !std::filesystem::exists(installed, error)
             ? beside
             : installed;
}

// The plugin, opened once by the first caller, which stays loaded until the program ends; a
// failure throws and the next call tries again. A program that links the plugin (the tests)
// has its entry points already: nullptr.
void* plugin() {
  static void* const handle = []() -> void* {
    if (dlsym(RTLD_DEFAULT, "nasrun_live_source_factory")) return nullptr;
    const auto path = plugin_path();
    if (!std::filesystem::exists(path))
      throw std::runtime_error(
          "live training is not in this build: there is no plugin " + path.string() +
          " (the build makes it when CMake finds LibTorch, Debian's libtorch-dev; "
          "NASRUN_PLUGIN_DIR names the folder to look in)");
    void* opened = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!opened)
      throw std::runtime_error("cannot load the live-training plugin " + path.string() + ": " +
                               dlerror());
    return opened;
  }();
  return handle;
}

// The plugin's entry point `name`, declared (plugin_source.hpp) as an EntryPoint.
template <class EntryPoint>
EntryPoint entry_point(const char* name) {
  void* handle = plugin();
  void* entry = dlsym(handle ? handle : RTLD_DEFAULT, name);
  if (!entry)
    throw std::runtime_error("the live-training plugin has no entry point " + std::string(name) +
                             ": " + dlerror());
  return reinterpret_cast<EntryPoint>(entry);
}

const CurveSourceFactory& live_source_factory() {
  static const CurveSourceFactory* const factory =
      entry_point<decltype(&nasrun_live_source_factory)>("nasrun_live_source_factory")();
  return *factory;
}

const Registration<curve_source_registry> kRegistration{
    "live",
    "train each architecture with LibTorch (fashion-mnist or cifar10; --source-option key=value, "
    "see docs/live-training.md)",
    [](const SourceOptions& o) { return live_source_factory()(o); }};

}  // namespace

int live_cuda_device_count() {
  return entry_point<decltype(&nasrun_live_cuda_device_count)>(
      "nasrun_live_cuda_device_count")();
}

}  // namespace nasrun::evaluators
