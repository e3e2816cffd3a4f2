#include "evaluators/plugin_source.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace nasrun::evaluators {

namespace {

constexpr const char* kPluginFile = "libnasrun_live.so";
constexpr const char* kEntryPoint = "nasrun_live_source_factory";
using EntryPoint = decltype(&nasrun_live_source_factory);

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

// A program that links the plugin (the tests) has the entry point already; the others open
// the plugin, which stays loaded until the program ends.
EntryPoint find_entry_point() {
  if (void* entry = dlsym(RTLD_DEFAULT, kEntryPoint)) return reinterpret_cast<EntryPoint>(entry);
  const auto path = plugin_path();
  if (!std::filesystem::exists(path))
    throw std::runtime_error(
        "live training is not in this build: there is no plugin " + path.string() +
        " (the build makes it when CMake finds LibTorch, Debian's libtorch-dev; "
        "NASRUN_PLUGIN_DIR names the folder to look in)");
  void* plugin = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!plugin)
    throw std::runtime_error("cannot load the live-training plugin " + path.string() + ": " +
                             dlerror());
  void* entry = dlsym(plugin, kEntryPoint);
  if (!entry)
    throw std::runtime_error("the live-training plugin " + path.string() + " has no entry point " +
                             kEntryPoint + ": " + dlerror());
  return reinterpret_cast<EntryPoint>(entry);
}

const CurveSourceFactory& live_source_factory() {
  // Loaded once, by the first caller; a failure throws and the next call tries again.
  static const CurveSourceFactory* const factory = find_entry_point()();
  return *factory;
}

const Registration<curve_source_registry> kRegistration{
    "live",
    "train each architecture with LibTorch (fashion-mnist or cifar10; --source-option key=value, "
    "see docs/live-training.md)",
    [](const SourceOptions& o) { return live_source_factory()(o); }};

}  // namespace

}  // namespace nasrun::evaluators
